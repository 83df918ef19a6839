import { readUnitCsv } from './unit-csv';

const HEADER = 'code,name,level,parent code';

describe('reading a unit tree from CSV', () => {
  it('reads a province after the 2025 merger, parents before children whatever the file order', () => {
    const { rows, problems } = readUnitCsv(
      [HEADER, 'HT-CB,"Xã Cẩm Bình, mới",Xã,HT', 'HT,Tỉnh Hà Tĩnh,Tỉnh,', 'HT-TL,Phường Thành Sen,Phường,HT'].join('\r\n'),
      new Set(),
    );
    expect(problems).toEqual([]);
    expect(rows.map((r) => r.code)).toEqual(['HT', 'HT-CB', 'HT-TL']);
    expect(rows[1]).toMatchObject({ name: 'Xã Cẩm Bình, mới', kind: 'Xã', parentCode: 'HT', line: 2 });
    expect(rows[0].parentCode).toBeNull();
  });

  it('takes a Vietnamese header and a parent already in the system', () => {
    const { rows, problems } = readUnitCsv('\uFEFFMã,Tên,Cấp,Mã cấp trên\nX1,Xã Một,Xã,HT\n', new Set(['HT']));
    expect(problems).toEqual([]);
    expect(rows).toHaveLength(1);
  });

  it('names every bad row and why, and returns no rows at all', () => {
    const { rows, problems } = readUnitCsv(
      [HEADER, 'HT,Tỉnh Hà Tĩnh,Tỉnh,', 'bad code!,Xã A,Xã,HT', 'HT,Trùng mã,Xã,HT', 'X2,,Xã,HT', 'X3,Xã Ba,Xã,NOWHERE', 'X4,Xã Bốn,Xã', 'A,Vòng A,Xã,B', 'B,Vòng B,Xã,A'].join('\n'),
      new Set(),
    );
    expect(rows).toEqual([]);
    expect(problems.map((p) => p.row)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(problems[0].message).toContain('"bad code!" không hợp lệ');
    expect(problems[1].message).toContain('đã có ở dòng 2');
    expect(problems[2].message).toContain('thiếu tên');
    expect(problems[3].message).toContain('"NOWHERE" không có trong tệp');
    expect(problems[4].message).toContain('cần đúng 4 cột');
    expect(problems[5].message).toContain('vòng');
  });

  it('refuses a file without the header, or an unreadable one', () => {
    expect(readUnitCsv('HT,Tỉnh Hà Tĩnh,Tỉnh,\n', new Set()).problems[0]).toMatchObject({ row: 1, message: expect.stringContaining('tiêu đề') });
    expect(readUnitCsv(`${HEADER}\n"HT,Tỉnh,Tỉnh,\n`, new Set()).problems[0].message).toContain('không đọc được');
    expect(readUnitCsv('', new Set()).problems[0].message).toBe('Tệp trống.');
  });
});
