import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode, LoaError } from './errors';

/** The body of every error the API returns. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Turns every error into one shape with a stable code and a Vietnamese sentence; never a stack trace. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const retryAfter = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    res.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof LoaError) {
      return { statusCode: exception.status, code: exception.code, message: exception.message, ...(exception.details === undefined ? {} : { details: exception.details }) };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = codeForStatus(status);
      return { statusCode: status, code, message: MESSAGES[code] ?? MESSAGES.validation_failed };
    }
    // Body parser and similar errors carry a status of their own.
    const status = (exception as { status?: unknown; statusCode?: unknown })?.status ?? (exception as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = codeForStatus(status);
      return { statusCode: status, code, message: MESSAGES[code] ?? MESSAGES.validation_failed };
    }
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal', message: MESSAGES.internal };
  }
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 416:
      return 'range_not_satisfiable';
    case 429:
      return 'too_many_requests';
    default:
      return status >= 500 ? 'internal' : 'validation_failed';
  }
}

const MESSAGES: Partial<Record<ErrorCode, string>> & Record<'internal' | 'validation_failed', string> = {
  validation_failed: 'Yêu cầu không hợp lệ.',
  unauthorized: 'Bạn cần đăng nhập để dùng chức năng này.',
  forbidden: 'Bạn không có quyền thực hiện thao tác này.',
  not_found: 'Không tìm thấy địa chỉ hoặc dữ liệu được yêu cầu.',
  conflict: 'Thao tác bị trùng với dữ liệu đã có.',
  payload_too_large: 'Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép.',
  range_not_satisfiable: 'Đoạn tệp được yêu cầu nằm ngoài kích thước tệp.',
  too_many_requests: 'Có quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.',
  internal: 'Máy chủ gặp lỗi ngoài dự kiến. Vui lòng thử lại sau ít phút.',
};
