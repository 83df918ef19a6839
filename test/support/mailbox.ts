import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  at: number;
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server on loopback in the test process; each message is parsed as a mail client would. */
export class Mailbox {
  readonly mails: Mail[] = [];
  port = 0;
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, _session, callback) => {
      simpleParser(stream)
        .then((m) => {
          const to = Array.isArray(m.to) ? m.to.map((a) => a.text).join(', ') : (m.to?.text ?? '');
          this.mails.push({ at: Date.now(), to, subject: m.subject ?? '', text: m.text ?? '' });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
