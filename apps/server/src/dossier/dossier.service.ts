import { Injectable } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { csvLine } from '../logbook/csv';
import { LocalTime } from '../logbook/local-time';
import { issuerOf, LogbookFilter, LogbookService } from '../logbook/logbook.service';
import { SealKeys } from '../logbook/seal-keys';
import { shortFingerprint } from '../logbook/seal-signature';
import { MediaStorage } from '../media/media-store';
import { BROADCAST_EXT } from '../media/media.service';
import { PlanTargetsService } from '../plan-targets/plan-targets.service';
import { languageLabel, MAIN_LANGUAGE } from '@loa/api-types';
import { PERIOD_LABELS } from '../reports/report-math';
import { ReportsService } from '../reports/reports.service';
import { UnitsService } from '../units/units.service';
import type { DossierClosure } from './dossier-closure.entity';
import { DOSSIER_FORMAT, MANIFEST_PATH, SIGNATURE_PATH, signedBytes, type DossierManifest, type ManifestSignature } from './dossier-manifest';
import { periodFor, type NamedPeriod } from './dossier-period';
import { EMBEDDED_KEY_PATH } from './dossier-verify';
import { DossierZip } from './dossier-zip';
import { DossierRepository, type DossierStation } from './dossier.repository';
import type { CloseDossierDto, DossierQuery } from './dto/dossier.dto';
import { fromInstant, toInstant } from '@loa/protocol';

/** Results that mean the programme reached air, at least in part. */
export const AIRED_RESULTS = ['complete', 'partial', 'interrupted'] as const;
const MAX_PERIOD_MS = 400 * 86_400_000;

/** Everything a dossier needs, checked before the first byte goes out (errors are still plain JSON then). */
export interface DossierPlan {
  who: Principal;
  filter: LogbookFilter & { from: string; to: string };
  stations: DossierStation[];
  audio: 'files' | 'links';
  generatedAt: string;
  report: NamedPeriod | null;
}

const KEY_SEP = '\u0000';

/** One programme's airings in one version: its own audio (Vietnamese, or a line from before versions) or a language's. */
function versionKey(programmeId: string, language: string | null): string {
  return language && language !== MAIN_LANGUAGE ? `${programmeId}${KEY_SEP}${language}` : programmeId;
}

interface AiredProgramme {
  id: string;
  airings: number;
  title: string;
  chuyenMuc: string;
  kind: 'programme' | 'relay' | 'unknown';
  sha256: string | null;
  text: string | null;
  /** True when only a label of the text was kept (made before whole texts were). */
  textCut: boolean;
}

/**
 * The dossier (hồ sơ tuyên truyền) of a station or a unit for a period, as one ZIP streamed entry by
 * entry: the logbook, the periodic report, the aired audio (or a list of it), the bulletins' texts, the
 * plan targets' compliance, and a manifest of every file's sha256 signed with the seal key.
 */
@Injectable()
export class DossierService {
  private readonly local: LocalTime;

  constructor(
    private readonly store: DossierRepository,
    private readonly logbook: LogbookService,
    private readonly reports: ReportsService,
    private readonly planTargets: PlanTargetsService,
    private readonly access: AccessPolicy,
    private readonly units: UnitsService,
    private readonly keys: SealKeys,
    private readonly media: MediaStorage,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.local = new LocalTime(config.timezone);
  }

  async prepare(who: Principal, q: DossierQuery): Promise<DossierPlan> {
    const { from, to } = period(q.from, q.to);
    if (q.stationId && q.unitId) throw new LoaError('validation_failed', 'Chọn một trạm hoặc một đơn vị, không chọn cả hai.', { fields: [{ field: 'unitId', problems: ['with stationId'] }] });
    if (q.stationId) {
      const [station] = await this.store.stations({ stationId: q.stationId });
      if (!station) throw new LoaError('not_found', 'Không tìm thấy trạm này.', { id: q.stationId });
      await this.access.requireStation(who, station.id, 'read');
    }
    if (q.unitId) {
      if (!(await this.store.unitExists(q.unitId))) throw new LoaError('not_found', 'Không tìm thấy đơn vị này.', { id: q.unitId });
      await this.access.requireUnit(who, q.unitId, 'read');
    }
    const scoped = await this.logbook.scope(who, { stationId: q.stationId, unitId: q.unitId });
    const filter = { ...scoped, from, to };
    const stations = await this.store.stations(filter.stationId ? { stationId: filter.stationId } : filter.unitId ? { unitIds: await this.units.subtreeIds(filter.unitId) } : 'all');
    const lastDay = this.local.day(fromInstant(to) - 1);
    return { who, filter, stations, audio: q.audio ?? 'files', generatedAt: this.clock.nowInstant(), report: periodFor(this.local.day(from), lastDay) };
  }

  /** Writes the ZIP to `out`. A failure half-way destroys `out`: a cut ZIP fails every check. */
  async write(plan: DossierPlan, out: Writable): Promise<void> {
    const zip = new DossierZip(new Date(fromInstant(plan.generatedAt)));
    const piping = pipeline(zip.output, out);
    // A reader that goes away stops the entry being written instead of leaving it waiting for room.
    piping.catch((err: unknown) => zip.abort(err instanceof Error ? err : new Error(String(err))));
    try {
      await this.entries(plan, zip);
      zip.end();
    } catch (err) {
      zip.abort(err instanceof Error ? err : new Error(String(err)));
      await piping.catch(() => undefined);
      throw err;
    }
    await piping;
  }

  private async entries(plan: DossierPlan, zip: DossierZip): Promise<void> {
    const { filter, who } = plan;
    const issuer = issuerOf(who);
    const issuingUnit = await this.logbook.issuingUnit(filter, issuer);
    const periodText = this.logbook.periodText(filter);

    // XLSX and PDF are compressed already: stored as they are, so no second deflate costs time or lets
    // the PDF writer (which does not wait for its reader) run ahead into memory.
    await zip.add('nhat-ky/nhat-ky-tuyen-truyen.xlsx', (out) => this.logbook.exportXlsx(filter, out, issuer), false);
    await zip.add('nhat-ky/nhat-ky-tuyen-truyen.pdf', (out) => this.logbook.exportPdf(filter, out, issuer), false);

    if (plan.report) {
      const req = { ...plan.report, unitId: filter.unitId, stationId: filter.stationId };
      const report = await this.reports.report(req);
      await zip.add('bao-cao/bao-cao-dinh-ky.xlsx', (out) => this.reports.exportXlsx(req, out, issuer, report), false);
      await zip.add('bao-cao/bao-cao-dinh-ky.pdf', (out) => this.reports.exportPdf(req, out, issuer, report), false);
    }

    const compliance = await this.planTargets.compliance(filter.from, filter.to, who, new Set(plan.stations.map((s) => s.id)));
    await zip.addBuffer('chi-tieu/chi-tieu-ke-hoach.json', JSON.stringify(compliance, null, 2));
    let targetsCsv = '\uFEFF' + csvLine(['Chỉ tiêu', 'Chuyên mục', 'Tối thiểu mỗi tháng', 'Tháng', 'Kết quả', 'Số trạm đạt', 'Số trạm']);
    for (const t of compliance.targets) for (const m of t.months) targetsCsv += csvLine([t.name, t.chuyenMuc, t.minPerMonth, m.month, m.label, m.stationsMet, m.stations]);
    await zip.addBuffer('chi-tieu/chi-tieu-ke-hoach.csv', targetsCsv);

    const aired = await this.airedProgrammes(plan);
    const audioList = [];
    const embedded = new Map<string, string>();
    for (const p of aired) {
      let file: string | null = null;
      let size: number | null = null;
      let available = false;
      if (p.sha256) {
        const path = this.media.pathOf(p.sha256, BROADCAST_EXT);
        size = await stat(path).then(
          (s) => s.size,
          () => null,
        );
        available = size !== null;
        if (available && plan.audio === 'files') {
          file = embedded.get(p.sha256) ?? `am-thanh/${slug(p.title)}-${p.sha256.slice(0, 12)}.${BROADCAST_EXT}`;
          if (!embedded.has(p.sha256)) {
            // Audio is already compressed: stored as it is, read from disk as it goes out.
            await zip.add(file, (out) => pipeline(createReadStream(path), out), false);
            embedded.set(p.sha256, file);
          }
        }
      }
      audioList.push({
        programmeId: p.id,
        kind: p.kind,
        title: p.title,
        chuyenMuc: p.chuyenMuc,
        airings: p.airings,
        sha256: p.sha256,
        size,
        available,
        file,
        download: p.sha256 && available ? `/api/media/files/${p.sha256}` : null,
      });
    }
    await zip.addBuffer('am-thanh/danh-sach.json', JSON.stringify(audioList, null, 2));
    let audioCsv = '\uFEFF' + csvLine(['Mã chương trình', 'Tên', 'Chuyên mục', 'Số lần phát', 'SHA-256', 'Kích thước (byte)', 'Tệp trong hồ sơ', 'Đường tải']);
    for (const a of audioList) audioCsv += csvLine([a.programmeId, a.title, a.chuyenMuc, a.airings, a.sha256 ?? '', a.size ?? '', a.file ?? (a.available ? '' : 'không còn tệp'), a.download ?? '']);
    await zip.addBuffer('am-thanh/danh-sach.csv', audioCsv);

    for (const p of aired) {
      if (p.text === null) continue;
      const head = [`Chương trình: ${p.title}`, `Chuyên mục: ${p.chuyenMuc}`, `Mã: ${p.id}`, `Số lần phát trong kỳ: ${p.airings}`];
      if (p.textCut) head.push('Ghi chú: bản tin tạo trước khi hệ thống lưu toàn văn; chỉ còn phần đầu.');
      await zip.addBuffer(`van-ban/${slug(p.title)}-${p.id.slice(0, 8)}.txt`, `${head.join('\n')}\n\n${p.text}\n`);
    }

    await zip.addBuffer(EMBEDDED_KEY_PATH, this.keys.publicKeyPem);
    const fingerprint = this.keys.fingerprint;
    await zip.addBuffer(
      'doc-truoc.txt',
      [
        'HỒ SƠ TUYÊN TRUYỀN',
        `Đơn vị: ${issuingUnit}`,
        `Kỳ: ${periodText}`,
        `Trạm: ${plan.stations.map((s) => s.name).join(', ') || 'không có'}`,
        `Lập lúc: ${this.local.dateTime(plan.generatedAt)}`,
        plan.report ? `Báo cáo định kỳ kèm theo: ${PERIOD_LABELS[plan.report.period]} năm ${plan.report.year} (${plan.report.convention === 'cchc' ? 'kỳ báo cáo CCHC' : 'tháng dương lịch'})` : 'Báo cáo định kỳ: không có kỳ báo cáo nào bao trùm khoảng thời gian này.',
        '',
        'nhat-ky/: sổ nhật ký tuyên truyền (XLSX, PDF)',
        'bao-cao/: báo cáo định kỳ (XLSX, PDF)',
        'chi-tieu/: chỉ tiêu kế hoạch và mức đạt theo tháng',
        plan.audio === 'files' ? 'am-thanh/: âm thanh đã phát và danh sách' : 'am-thanh/: danh sách âm thanh đã phát (mã SHA-256, đường tải)',
        'van-ban/: toàn văn các bản tin đọc bằng giọng máy',
        `${MANIFEST_PATH}: mã SHA-256 và kích thước của từng tệp; ${SIGNATURE_PATH}: chữ ký Ed25519 của danh mục`,
        `Khóa ký: ${shortFingerprint(fingerprint)} (${EMBEDDED_KEY_PATH}; đối chiếu với GET /api/logbook/keys)`,
        'Kiểm tra: loa dossier verify TỆP.zip --public-key khoa.pem',
        '',
      ].join('\n'),
    );

    const manifest: DossierManifest = {
      format: DOSSIER_FORMAT,
      generatedAt: plan.generatedAt,
      generatedBy: who.kind === 'user' ? who.username : who.stationName,
      issuingUnit,
      scope: { stationId: filter.stationId ?? null, unitId: filter.unitId ?? null, stations: plan.stations.map((s) => ({ id: s.id, code: s.code, name: s.name })) },
      period: { from: filter.from, to: filter.to, text: periodText },
      audio: plan.audio,
      algorithm: 'Ed25519',
      keyFingerprint: fingerprint,
      files: zip.files,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2), 'utf8');
    const signed = this.keys.signBytes(signedBytes(manifestBytes));
    const signature: ManifestSignature = { algorithm: 'Ed25519', keyFingerprint: signed.keyId, signature: signed.signature };
    zip.addUnlisted(MANIFEST_PATH, manifestBytes);
    zip.addUnlisted(SIGNATURE_PATH, Buffer.from(JSON.stringify(signature, null, 2), 'utf8'));
  }

  /** The programmes (and live relays) that reached air in the dossier, with their audio and text. */
  private async airedProgrammes(plan: DossierPlan): Promise<AiredProgramme[]> {
    const stationIds = plan.stations.map((s) => s.id);
    if (!stationIds.length) return [];
    const counts = new Map<string, number>();
    for (const r of await this.store.airings(stationIds, plan.filter.from, plan.filter.to, AIRED_RESULTS)) {
      // Each language version that aired is its own audio; the programme's own (Vietnamese) audio, and lines from before versions, are one.
      const key = versionKey(r.programmeId, r.language);
      counts.set(key, (counts.get(key) ?? 0) + r.airings);
    }
    const ids = [...new Set([...counts.keys()].map((k) => k.split(KEY_SEP)[0]))];
    const programmes = new Map((await this.store.programmes(ids)).map((p) => [p.id, p]));
    const relays = new Map((await this.store.relays(ids)).map((r) => [r.id, r]));
    const versions = new Map((await this.store.versions(ids)).map((v) => [versionKey(v.programmeId, v.language), v]));
    const assetIds = [...new Set([...[...programmes.values()].map((p) => p.mediaAssetId), ...[...versions.values()].map((v) => v.mediaAssetId)])];
    const assets = new Map((await this.store.assets(assetIds)).map((a) => [a.id, a]));
    const out: AiredProgramme[] = [];
    for (const key of [...counts.keys()].sort()) {
      const airings = counts.get(key)!;
      const [id, language] = key.split(KEY_SEP);
      const p = programmes.get(id);
      const r = relays.get(id);
      if (p && language) {
        // A version removed since it aired has no file left to name.
        const asset = assets.get(versions.get(key)?.mediaAssetId ?? '');
        out.push({ id, airings, title: `${p.title} (bản ${languageLabel(language)})`, chuyenMuc: p.chuyenMuc, kind: 'programme', sha256: asset?.sha256 ?? null, text: null, textCut: false });
      } else if (p) {
        const asset = assets.get(p.mediaAssetId);
        const whole = p.spokenText ?? asset?.spokenText ?? null;
        const label = !whole && asset?.source === 'tts' ? asset.originalName.replace(/\.wav$/, '') : null;
        out.push({ id, airings, title: p.title, chuyenMuc: p.chuyenMuc, kind: 'programme', sha256: asset?.sha256 ?? null, text: whole ?? label, textCut: !whole && label !== null });
      } else if (r) {
        out.push({ id, airings, title: r.title, chuyenMuc: r.kind === 'emergency' ? 'Thông báo khẩn cấp' : 'Phát trực tiếp', kind: 'relay', sha256: r.recordingSha256, text: r.sourceText, textCut: false });
      } else {
        out.push({ id, airings, title: id, chuyenMuc: '', kind: 'unknown', sha256: null, text: null, textCut: false });
      }
    }
    return out;
  }

  /**
   * An inspector closes a period of a station's or a unit's dossier: one row per station, audited. From
   * then on the retention policy may let the audio aired in it go, once RETENTION_MONTHS have passed.
   */
  async close(who: Principal, dto: CloseDossierDto): Promise<{ closed: number; closures: DossierClosure[] }> {
    const { from, to } = period(dto.from, dto.to);
    if (!dto.stationId === !dto.unitId) throw new LoaError('validation_failed', 'Chọn đúng một trạm hoặc một đơn vị để khóa hồ sơ.', { fields: [{ field: 'stationId', problems: ['exactly one of stationId, unitId'] }] });
    if (to > this.clock.nowInstant()) throw new LoaError('validation_failed', 'Chỉ khóa được hồ sơ của một kỳ đã kết thúc.', { fields: [{ field: 'to', problems: ['in the future'] }] });
    let stations: DossierStation[];
    if (dto.stationId) {
      const [station] = await this.store.stations({ stationId: dto.stationId });
      if (!station) throw new LoaError('not_found', 'Không tìm thấy trạm này.', { id: dto.stationId });
      await this.access.requireStation(who, station.id, 'write');
      stations = [station];
    } else {
      if (!(await this.store.unitExists(dto.unitId!))) throw new LoaError('not_found', 'Không tìm thấy đơn vị này.', { id: dto.unitId });
      await this.access.requireUnit(who, dto.unitId!, 'write');
      stations = await this.store.stations({ unitIds: await this.units.subtreeIds(dto.unitId!) });
      if (!stations.length) throw new LoaError('validation_failed', 'Đơn vị này chưa có trạm nào để khóa hồ sơ.');
    }
    const now = this.clock.nowInstant();
    const closedBy = who.kind === 'user' ? who.userId : null;
    const closures = await this.store.closeAll(
      stations.map((s) => ({ stationId: s.id, unitId: dto.unitId ?? null, periodStart: from, periodEnd: to, note: dto.note?.trim() || null, closedBy, closedAt: now })),
    );
    return { closed: closures.length, closures };
  }

  /** The closings of the stations `who` may see, newest first. */
  async closures(who: Principal, stationId?: string): Promise<DossierClosure[]> {
    const rows = await this.store.closures(stationId, 1000);
    return this.access.filterByStation(who, rows, (r) => r.stationId);
  }
}

function period(fromText: string, toText: string): { from: string; to: string } {
  const from = fromInstant(fromText);
  const to = fromInstant(toText);
  if (!(to > from)) throw new LoaError('validation_failed', 'Thời điểm kết thúc phải sau thời điểm bắt đầu.', { fields: [{ field: 'to', problems: ['not after from'] }] });
  if (to - from > MAX_PERIOD_MS) throw new LoaError('validation_failed', 'Hồ sơ chỉ lập được cho khoảng thời gian tối đa khoảng một năm.', { fields: [{ field: 'to', problems: ['longer than 400 days'] }] });
  return { from: toInstant(from), to: toInstant(to) };
}

/** A file name from a title: ASCII letters and digits, as every unzip tool shows them alike. */
export function slug(title: string): string {
  const ascii = title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
  return ascii.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).toLowerCase() || 'chuong-trinh';
}
