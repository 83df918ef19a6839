import { CreateAiringOrderDto } from '../schedule/dto/airing-order.dto';
import { TimelineQuery } from '../schedule/dto/list-slots.dto';
import { LoaError } from './errors';
import { validationPipe } from './validation';

const pipe = validationPipe();
const read = (metatype: new () => object, value: object, type: 'query' | 'body' = 'query') => pipe.transform(value, { type, metatype });

async function refusal(metatype: new () => object, value: object): Promise<LoaError> {
  try {
    await read(metatype, value);
  } catch (e) {
    if (e instanceof LoaError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('an instant in an HTTP field', () => {
  it('reaches the controller in the one UTC form, whatever offset the caller wrote', async () => {
    await expect(read(TimelineQuery, { from: '2026-11-25T05:30:00+07:00', to: '2026-11-25T00:00:00Z' })).resolves.toEqual({
      from: '2026-11-24T22:30:00.000Z',
      to: '2026-11-25T00:00:00.000Z',
    });
    const order = { firstSlotId: '7f0c6f3e-2b1a-4c1e-9d7a-1b2c3d4e5f60', firstAt: '2026-11-25T05:30+07:00', secondSlotId: '8f0c6f3e-2b1a-4c1e-9d7a-1b2c3d4e5f60', secondAt: '2026-11-24T22:45:00.5Z' };
    await expect(read(CreateAiringOrderDto, order, 'body')).resolves.toMatchObject({ firstAt: '2026-11-24T22:30:00.000Z', secondAt: '2026-11-24T22:45:00.500Z' });
  });

  it('is refused with validation_failed and a Vietnamese reason when it is not an instant with a zone', async () => {
    for (const from of ['yesterday', '2026-11-25', '2026-11-25T05:30:00', '2026-02-30T00:00:00Z', '1764023400000']) {
      const e = await refusal(TimelineQuery, { from, to: '2026-11-25T00:00:00Z' });
      expect(e.code).toBe('validation_failed');
      expect(e.details).toEqual({ fields: [{ field: 'from', problems: ['from phải là thời điểm có múi giờ, ví dụ 2026-11-25T05:30:00+07:00.'] }] });
    }
  });
});
