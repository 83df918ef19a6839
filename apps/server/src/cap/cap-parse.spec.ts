import { LoaError } from '../common/errors';
import { MAX_CAP_BYTES, parseCap, spokenText } from './cap-parse';

const alert = (prefix: string, ns: string, body = '') => {
  const p = prefix ? `${prefix}:` : '';
  const x = prefix ? `xmlns:${prefix}` : 'xmlns';
  return `<${p}alert ${x}="${ns}"><${p}identifier>A-1</${p}identifier><${p}sender>kttv@gov.vn</${p}sender><${p}sent>2026-12-04T20:00:00+07:00</${p}sent><${p}status>Actual</${p}status><${p}msgType>Alert</${p}msgType><${p}scope>Public</${p}scope>${body}</${p}alert>`;
};
const CAP12 = 'urn:oasis:names:tc:emergency:cap:1.2';

function refused(xml: string): LoaError {
  try {
    parseCap(xml);
  } catch (e) {
    if (e instanceof LoaError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseCap', () => {
  it('reads an alert whose elements carry a namespace prefix', () => {
    const doc = parseCap(alert('cap', CAP12, '<cap:info><cap:language>vi-VN</cap:language><cap:event>Bão</cap:event><cap:headline>Bão số 5</cap:headline><cap:area><cap:areaDesc>Xã A</cap:areaDesc><cap:geocode><cap:valueName>MA</cap:valueName><cap:value>123</cap:value></cap:geocode></cap:area></cap:info>'));
    expect(doc).toMatchObject({ identifier: 'A-1', sender: 'kttv@gov.vn', status: 'Actual', msgType: 'Alert', scope: 'Public' });
    expect(doc.infos[0]).toMatchObject({ language: 'vi-VN', event: 'Bão', areas: [{ areaDesc: 'Xã A', geocodes: ['123'] }] });
  });

  it('refuses another namespace, even when a CAP 1.2 namespace is declared for another prefix', () => {
    expect(refused(alert('', 'urn:oasis:names:tc:emergency:cap:1.1')).code).toBe('cap_invalid');
    const trick = alert('', 'urn:example').replace('<alert ', `<alert xmlns:c="${CAP12}" `);
    expect(refused(trick).message).toMatch(/CAP 1\.2/);
  });

  it('does not expand entities and refuses a DOCTYPE', () => {
    const xml = `<!DOCTYPE alert [<!ENTITY x "boom">]>${alert('', CAP12)}`;
    expect(refused(xml).message).toMatch(/DOCTYPE/);
    expect(refused(xml.replace('<!DOCTYPE', '<!doctype')).code).toBe('cap_invalid');
  });

  it('refuses an oversized body before parsing it', () => {
    expect(refused(alert('', CAP12, `<note>${'x'.repeat(MAX_CAP_BYTES)}</note>`)).code).toBe('payload_too_large');
  });

  it('refuses a malformed sent time or an expiry that is not a CAP date', () => {
    expect(refused(alert('', CAP12).replace('2026-12-04T20:00:00+07:00', 'hôm nay')).details).toEqual({ invalid: ['sent'] });
    expect(refused(alert('', CAP12, '<info><expires>mai</expires></info>')).details).toEqual({ invalid: ['info.expires'] });
    // CAP writes its seconds; a day that does not exist is no date either.
    expect(refused(alert('', CAP12, '<info><expires>2026-12-05T06:00+07:00</expires></info>')).details).toEqual({ invalid: ['info.expires'] });
    expect(refused(alert('', CAP12).replace('2026-12-04T20:00:00+07:00', '2026-02-30T20:00:00+07:00')).details).toEqual({ invalid: ['sent'] });
  });

  it('reads the expiry, written with its sender offset, as an instant in the one UTC form', () => {
    const doc = parseCap(alert('', CAP12, '<info><language>vi-VN</language><expires>2026-12-05T06:00:00+07:00</expires></info>'));
    expect(doc.infos[0].expires).toBe('2026-12-04T23:00:00.000Z');
    expect(doc.sent).toBe('2026-12-04T20:00:00+07:00');
  });

  it('speaks headline, description and instruction as sentences', () => {
    const info = { headline: 'Bão số 5', description: 'Gió giật cấp 12.', instruction: 'Không ra khơi' } as Parameters<typeof spokenText>[0];
    expect(spokenText(info)).toBe('Bão số 5. Gió giật cấp 12. Không ra khơi.');
  });
});
