// Labelled form fields described by data, read back as typed values.
import { element } from './dom';

export interface NumberField {
  kind: 'number';
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  /** A few words under the label (units, what it changes). */
  hint?: string;
}

export interface SelectField {
  kind: 'select';
  label: string;
  /** [value, text] pairs. */
  options: [string, string][];
  value: string;
  hint?: string;
  /** Takes two columns (long option texts). */
  wide?: boolean;
}

export type Field = NumberField | SelectField;

export type Values<Fields extends Record<string, Field>> = {
  [Name in keyof Fields]: Fields[Name] extends NumberField ? number : string;
};

export const numberField = (label: string, options: Omit<NumberField, 'kind' | 'label'>): NumberField => ({ kind: 'number', label, ...options });
export const selectField = (label: string, options: Omit<SelectField, 'kind' | 'label'>): SelectField => ({ kind: 'select', label, ...options });

export interface Controls<Fields extends Record<string, Field>> {
  /** The form: fields, then the section's buttons when it has a job. */
  readonly form: HTMLFormElement;
  /** Holds every field, so that disabling it freezes them all while a job runs. */
  readonly fieldset: HTMLFieldSetElement;
  /** The values; throws a RangeError naming the first field out of its range. */
  read(): Values<Fields>;
}

let nextId = 0;

/** Builds a form with one labelled input or select per field, in order. */
export function controls<Fields extends Record<string, Field>>(sectionId: string, fields: Fields): Controls<Fields> {
  const fieldset = element('fieldset', { class: 'fields' });
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  for (const [name, field] of Object.entries(fields)) {
    const id = `${sectionId}-${name}-${nextId++}`;
    const hintId = `${id}-hint`;
    let input: HTMLInputElement | HTMLSelectElement;
    if (field.kind === 'number') {
      input = element('input', {
        id,
        name,
        type: 'number',
        inputmode: 'numeric',
        value: String(field.value),
        min: String(field.min),
        max: String(field.max),
        step: String(field.step ?? 1),
        required: true,
      });
    } else {
      input = element(
        'select',
        { id, name },
        field.options.map(([value, text]) => new Option(text, value, value === field.value, value === field.value)),
      );
    }
    const hint = field.hint ?? (field.kind === 'number' ? `${field.min.toLocaleString('en')}–${field.max.toLocaleString('en')}` : '');
    if (hint) input.setAttribute('aria-describedby', hintId);
    inputs.set(name, input);
    fieldset.append(
      element('div', { class: field.kind === 'select' && field.wide ? 'field wide' : 'field' }, [element('label', { for: id }, field.label), input, hint ? element('small', { id: hintId, class: 'hint' }, hint) : null]),
    );
  }
  const form = element('form', { class: 'controls', novalidate: true }, fieldset);
  return {
    form,
    fieldset,
    read() {
      const values: Record<string, number | string> = {};
      for (const input of inputs.values()) input.removeAttribute('aria-invalid');
      for (const [name, field] of Object.entries(fields)) {
        const input = inputs.get(name)!;
        if (field.kind === 'select') {
          values[name] = input.value;
          continue;
        }
        const value = Number(input.value);
        if (input.value.trim() === '' || !Number.isInteger(value) || value < field.min || value > field.max) {
          input.setAttribute('aria-invalid', 'true');
          throw new RangeError(`${field.label} must be a whole number from ${field.min.toLocaleString('en')} to ${field.max.toLocaleString('en')}, not “${input.value}”.`);
        }
        values[name] = value;
      }
      return values as Values<Fields>;
    },
  };
}
