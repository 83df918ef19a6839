import { resolve } from 'node:path';
import { DEFAULT_CONFIG_PATH, EnrolError, lookupUser, readExisting, writeSecretFile } from '../enrol';
import { hashPin, pinProblem } from './pin';

export interface SetPinArgs {
  configPath: string;
  owner?: string;
}

const USAGE = 'Cách dùng: echo MÃ-PIN | loa-agent set-pin [--config /etc/loa/agent.json] [--owner loa]';

/** `set-pin [--config path] [--owner user]`: the PIN itself comes on standard input, never on the command line. */
export function parseSetPinArgs(argv: readonly string[]): SetPinArgs {
  let configPath = DEFAULT_CONFIG_PATH;
  let owner: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (!v || (inline === undefined && v.startsWith('--'))) throw new EnrolError(`${flag}: thiếu giá trị.\n${USAGE}`);
      return v;
    };
    if (flag === '--config') configPath = value();
    else if (flag === '--owner') owner = value();
    else throw new EnrolError(`Không hiểu "${argv[i]}". Mã PIN nhập qua đầu vào chuẩn, không đặt trên dòng lệnh.\n${USAGE}`);
  }
  return { configPath: resolve(configPath), owner };
}

/**
 * Writes the hash of the console's PIN into the agent's config file (mode 0600), keeping everything else
 * in it. The running agent reads it at its next start.
 */
export async function setPin(args: SetPinArgs, pin: string): Promise<void> {
  const problem = pinProblem(pin);
  if (problem) throw new EnrolError(problem);
  const existing = readExisting(args.configPath);
  const owner = args.owner ? lookupUser(args.owner) : undefined;
  writeSecretFile(args.configPath, `${JSON.stringify({ ...existing, consolePinHash: await hashPin(pin) }, null, 2)}\n`, owner);
}

/** The first line of standard input, asking for it when a person is at the keyboard. */
export async function readPinFromStdin(input: NodeJS.ReadStream = process.stdin, prompt: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (input.isTTY) prompt.write('Nhập mã PIN mới cho bảng điều khiển tại trạm (4–12 chữ số): ');
  const chunks: Buffer[] = [];
  for await (const chunk of input as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split('\n')[0].trim();
}
