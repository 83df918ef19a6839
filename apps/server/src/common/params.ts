import { ParseUUIDPipe } from '@nestjs/common';
import { LoaError } from './errors';

/** A path id that must be a UUID; anything else is a 400 before any lookup. */
export const UuidParam = new ParseUUIDPipe({
  exceptionFactory: () => new LoaError('validation_failed', 'Mã định danh trong đường dẫn không hợp lệ.'),
});

/** The same for an optional query value. */
export const OptionalUuidQuery = new ParseUUIDPipe({
  optional: true,
  exceptionFactory: () => new LoaError('validation_failed', 'Mã định danh trong tham số truy vấn không hợp lệ.'),
});
