import { randomBytes } from 'node:crypto';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer, { MulterError } from 'multer';
import { finalize, Observable } from 'rxjs';
import type { Principal } from '../auth/principal';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { MediaStorage } from './media-store';
import { MediaUploadService } from './media-upload.service';
import type { MediaSettings } from './media-settings';

/** The multipart field that carries the audio. */
export const UPLOAD_FIELD = 'file';

/** What the upload route receives: a file on disk under a name the server chose. */
export interface UploadedAudio {
  path: string;
  originalname: string;
  size: number;
}

/**
 * Streams the `file` field of a multipart upload to a random name in the store's work folder, within the
 * configured size. Built here rather than with FileInterceptor so the limit comes from the injected config
 * and multer's errors become LoaErrors with the project's codes.
 */
@Injectable()
export class UploadInterceptor implements NestInterceptor {
  private readonly receive: RequestHandler;
  private readonly maxBytes: number;

  constructor(
    @Inject(AppConfig) config: MediaSettings,
    store: MediaStorage,
    private readonly uploads: MediaUploadService,
  ) {
    this.maxBytes = config.maxUploadBytes;
    this.receive = multer({
      storage: multer.diskStorage({
        destination: store.tmpDir,
        filename: (_req, _file, done) => done(null, `${randomBytes(16).toString('hex')}.upload`),
      }),
      limits: { fileSize: this.maxBytes, files: 1, fields: 20, parts: 21 },
      // Browsers send Vietnamese file names as UTF-8 without saying so.
      defParamCharset: 'utf8',
    }).single(UPLOAD_FIELD);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { principal?: Principal }>();
    // The user's upload place is taken before a byte is stored, and held until the upload is checked.
    const principal = req.principal;
    const declared = Number(req.headers['content-length'] ?? 0);
    const release = principal?.kind === 'user' ? await this.uploads.reserveUpload(principal.userId, Number.isFinite(declared) ? declared : 0) : () => undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.receive(req, http.getResponse<Response>(), (err?: unknown) => (err ? reject(this.translate(err)) : resolve()));
      });
    } catch (err) {
      release();
      throw err;
    }
    return next.handle().pipe(finalize(release));
  }

  private translate(err: unknown): unknown {
    if (err instanceof MulterError) {
      if (err.code === 'LIMIT_FILE_SIZE') {
        const mb = Math.floor(this.maxBytes / (1024 * 1024));
        return new LoaError('payload_too_large', `Tệp quá lớn. Mỗi tệp tải lên tối đa ${mb} MB.`, {
          maxBytes: this.maxBytes,
        });
      }
      return new LoaError('validation_failed', `Hãy gửi đúng một tệp âm thanh trong trường "${UPLOAD_FIELD}".`, {
        reason: err.code,
        field: err.field,
      });
    }
    // Disk errors (ENOSPC, EACCES…) are the server's problem; anything else is a malformed multipart body.
    if (isSystemError(err)) return err;
    return new LoaError('validation_failed', 'Dữ liệu tải lên không đúng dạng multipart/form-data.');
  }
}

function isSystemError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
