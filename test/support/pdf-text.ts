import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// pdf-parse loads pdf.js through a dynamic import, which Jest's module sandbox refuses; plain Node runs it.
const SCRIPT = `
const { PDFParse } = require('pdf-parse');
const { readFileSync } = require('node:fs');
const parser = new PDFParse({ data: new Uint8Array(readFileSync(process.argv[1])) });
parser.getText().then((r) => { process.stdout.write(r.text); return parser.destroy(); }).catch((e) => { console.error(e); process.exit(1); });
`;

/** The text of a PDF as pdf.js extracts it, in Unicode NFC. */
export async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    const { stdout } = await run(process.execPath, ['-e', SCRIPT, file], { cwd: join(__dirname, '..', '..'), maxBuffer: 64 * 1024 * 1024 });
    return stdout.normalize('NFC');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
