import { join } from 'node:path';
import { Api } from '../support/api';
import { makeTone } from '../support/audio';

/**
 * Creates `count` stations under `unitId`, twenty requests at a time; their tokens and ids in order. Given
 * several instances' clients, the requests take turns among them.
 */
export async function createStations(apis: Api | Api[], unitId: string, count: number): Promise<{ tokens: string[]; stationIds: string[] }> {
  const list = Array.isArray(apis) ? apis : [apis];
  const tokens: string[] = [];
  const stationIds: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, (_, k) => list[k % list.length].ok('POST', '/api/stations', { unitId, name: `Trạm ${i + k}`, code: `tram-${i + k}` })),
    );
    for (const b of batch) {
      tokens.push(b.token);
      stationIds.push(b.station.id);
    }
  }
  return { tokens, stationIds };
}

/** A one-second CCHC programme, uploaded and converted, ready to schedule. */
export async function toneProgramme(api: Api, dir: string): Promise<{ id: string }> {
  const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 1 }));
  const asset = await api.waitReady(upload.body.id);
  return api.ok('POST', '/api/programmes', { title: 'Chuyên mục CCHC', chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });
}
