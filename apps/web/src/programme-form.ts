import { publicByDefault, type ChuyenMucView, type UnitView } from '@loa/api-types';

/** Whether the signed-in account speaks for an upper level: bound to no unit, or to one with units below it. */
export function isUpperLevel(user: { unitId: string | null } | null, units: readonly Pick<UnitView, 'parentId'>[]): boolean {
  if (!user) return false;
  if (user.unitId === null) return true;
  return units.some((u) => u.parentId === user.unitId);
}

/** The code of the chuyên mục typed on the form, matched by name or code as the server matches it. */
export function chuyenMucCodeOf(typed: string, list: readonly Pick<ChuyenMucView, 'name' | 'code'>[]): string | null {
  const t = typed.trim();
  return list.find((c) => c.name.toLocaleLowerCase('vi') === t.toLocaleLowerCase('vi') || c.code === t)?.code ?? null;
}

/** How the upload form's "public replay" box starts: the same rule the server applies when nothing is chosen. */
export function suggestedPublic(
  chuyenMuc: string,
  list: readonly Pick<ChuyenMucView, 'name' | 'code'>[],
  user: { unitId: string | null } | null,
  units: readonly Pick<UnitView, 'parentId'>[],
): boolean {
  return publicByDefault({ chuyenMuc, chuyenMucCode: chuyenMucCodeOf(chuyenMuc, list), upperLevel: isUpperLevel(user, units) });
}

/** The body of `POST /api/programmes` from the upload form: the public choice is always sent, never left to the server. */
export function programmeRequest(form: { title: string; chuyenMuc: string; description: string; mediaAssetId: string; public: boolean }) {
  return {
    title: form.title.trim(),
    chuyenMuc: form.chuyenMuc.trim(),
    description: form.description.trim() || undefined,
    mediaAssetId: form.mediaAssetId,
    public: form.public,
  };
}
