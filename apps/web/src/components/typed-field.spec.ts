import { nextTick, ref, type ModelRef } from 'vue';
import { describe, expect, it } from 'vitest';
import { isoToViDate, viDateToIso } from '../dates';
import { useTypedField } from './typed-field';

function field(initial: string) {
  const model = ref(initial) as unknown as ModelRef<string>;
  return { model, ...useTypedField(model, viDateToIso, isoToViDate) };
}

describe('a field typed in a fixed form', () => {
  it('shows the model in its typed form and takes a typed value into the model', () => {
    const f = field('2026-12-04');
    expect(f.text.value).toBe('04/12/2026');
    f.text.value = '5/1/2027';
    f.commit(true);
    expect(f.model.value).toBe('2027-01-05');
    expect(f.text.value).toBe('05/01/2027');
    expect(f.invalid.value).toBe(false);
  });

  it('marks what is not a value and leaves the model as it was', () => {
    const f = field('2026-12-04');
    f.text.value = '31/02/2026';
    f.commit(true);
    expect(f.invalid.value).toBe(true);
    expect(f.model.value).toBe('2026-12-04');
  });

  it('empties the model when the text is cleared, and follows a model changed from outside', async () => {
    const f = field('2026-12-04');
    f.text.value = '  ';
    f.commit(false);
    expect(f.model.value).toBe('');
    f.model.value = '2026-03-08';
    await nextTick();
    expect(f.text.value).toBe('08/03/2026');
  });
});
