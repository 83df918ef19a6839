import { ref, watch, type ModelRef } from 'vue';

/**
 * A value typed as text in a fixed form, whatever the browser's language: `parse` turns the text into the
 * model's form (null when it is not one), `show` turns the model back into text. An empty field is ''.
 */
export function useTypedField(model: ModelRef<string>, parse: (text: string) => string | null, show: (value: string) => string) {
  const text = ref(show(model.value));
  const invalid = ref(false);
  watch(model, (value) => {
    if (parse(text.value) !== value) text.value = show(value);
  });

  /** Takes what is typed; `final` (leaving the field) also rewrites the text in its full form. */
  function commit(final: boolean) {
    if (!text.value.trim()) {
      invalid.value = false;
      model.value = '';
      return;
    }
    const value = parse(text.value);
    invalid.value = value === null;
    if (value !== null) {
      model.value = value;
      if (final) text.value = show(value);
    }
  }
  return { text, invalid, commit };
}
