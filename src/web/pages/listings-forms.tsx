import { marketplaceById } from '../../amazon/regions.js';
import type { Connection } from '../../connections/repository.js';
import {
  TEMPLATE_TYPES,
  type ProductTemplate,
  type TemplateField,
} from '../../listings/product-templates.js';
import type { FieldError } from '../../listings/quick-edit.js';
import { IDENTIFIER_TYPES, inputName } from '../../listings/template-form.js';

/** The listings forms: full listing (JSON), product-type template, quick edit, delete; each shows its errors by field. */

/** The form values to show again after a refusal, or prefilled from the catalog. */
export interface ListingFormValues {
  form?: 'put' | 'quick' | 'delete' | 'template';
  sku?: string;
  productType?: string;
  requirements?: string;
  attributes?: string;
  preview?: boolean;
  price?: string;
  quantity?: string;
  marketplaceId?: string;
  /** The template form's inputs (`attr.<name>`). */
  fields?: Record<string, string>;
}

/** What each form is given: its own values (typed before, or prefilled) and its own errors by field. */
export interface FormProps {
  connection: Connection;
  csrf: string;
  base: string;
  values: ListingFormValues;
  errors: readonly FieldError[];
}

/** The errors of one field, under its input. */
export function FieldErrorText(props: { errors: readonly FieldError[]; field: string }) {
  const mine = props.errors.filter((e) => e.field === props.field);
  if (mine.length === 0) return null;
  return (
    <>
      {mine.map((e) => (
        <p class="small error-text" data-error-for={props.field} role="alert">
          {e.message}
        </p>
      ))}
    </>
  );
}

/** Every error of a refused form, each by its field, above the forms. */
export function FormErrorSummary(props: { errors: readonly FieldError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <div
      class="banner bad"
      role="alert"
      data-form-errors={props.errors.length}
      data-field={props.errors[0]?.field ?? ''}
    >
      <strong>
        {props.errors.length === 1
          ? 'The form was not queued: 1 problem'
          : `The form was not queued: ${props.errors.length} problems`}
      </strong>
      <ul>
        {props.errors.map((e) => (
          <li data-error={e.field}>{e.message}</li>
        ))}
      </ul>
    </div>
  );
}

const invalid = (errors: readonly FieldError[], field: string) =>
  errors.some((e) => e.field === field) ? { 'aria-invalid': 'true' } : {};

function MarketplaceSelect(props: { connection: Connection; value: string | undefined; id: string }) {
  if (props.connection.marketplaceIds.length <= 1) return null;
  return (
    <>
      <label for={props.id}>Marketplace</label>
      <select id={props.id} name="marketplaceId">
        {props.connection.marketplaceIds.map((id) => (
          <option value={id} selected={props.value === id}>
            {marketplaceById(id)?.name ?? id} ({id})
          </option>
        ))}
      </select>
    </>
  );
}

function SkuInput(props: { id: string; value: string | undefined; errors: readonly FieldError[] }) {
  return (
    <>
      <label for={props.id}>SKU</label>
      <input
        id={props.id}
        name="sku"
        maxlength={40}
        required
        value={props.value ?? ''}
        {...invalid(props.errors, 'sku')}
      />
      <FieldErrorText errors={props.errors} field="sku" />
    </>
  );
}

/** The full listing as JSON attributes (any product type). */
export function PutForm(p: FormProps) {
  const v = p.values;
  const errors = p.errors;
  return (
    <form method="post" action={p.base} class="card" data-form="put" id="put">
      <h2 style="margin-top:0">Create or replace a listing (JSON)</h2>
      <input type="hidden" name="_csrf" value={p.csrf} />
      <SkuInput id="put-sku" value={v.sku} errors={errors} />
      <label for="put-type">Product type</label>
      <input
        id="put-type"
        name="productType"
        placeholder="e.g. SHIRT, or PRODUCT for an offer on an existing ASIN"
        required
        value={v.productType ?? ''}
        {...invalid(errors, 'productType')}
      />
      <FieldErrorText errors={errors} field="productType" />
      <label for="put-req">Requirements</label>
      <select id="put-req" name="requirements">
        {['LISTING', 'LISTING_PRODUCT_ONLY', 'LISTING_OFFER_ONLY'].map((r) => (
          <option value={r} selected={v.requirements === r}>
            {r}
          </option>
        ))}
      </select>
      <MarketplaceSelect connection={p.connection} value={v.marketplaceId} id="put-mp" />
      <label for="put-attrs">Attributes (JSON, as in Listings Items 2021-08-01)</label>
      <textarea id="put-attrs" name="attributes" rows={10} style="max-width:100%" required>
        {v.attributes ?? ''}
      </textarea>
      {errors
        .filter((e) => e.field.startsWith('attributes') || e.field.startsWith('body'))
        .map((e) => (
          <p class="small error-text" data-error-for={e.field} role="alert">
            {e.message}
          </p>
        ))}
      <label>
        <input type="checkbox" name="preview" value="1" style="width:auto" checked={v.preview === true} />{' '}
        Validation preview only (Amazon checks it, nothing changes)
      </label>
      <p>
        <button type="submit">Queue listing</button>
      </p>
    </form>
  );
}

/** Price and quantity of one SKU. */
export function QuickEditForm(p: FormProps) {
  const v = p.values;
  const errors = p.errors;
  return (
    <form method="post" action={`${p.base}/quick`} class="card" data-form="quick" id="quick">
      <h2 style="margin-top:0">Quick edit: price and quantity</h2>
      <input type="hidden" name="_csrf" value={p.csrf} />
      <SkuInput id="q-sku" value={v.sku} errors={errors} />
      <MarketplaceSelect connection={p.connection} value={v.marketplaceId} id="q-mp" />
      <label for="q-price">Price</label>
      <input
        id="q-price"
        name="price"
        inputmode="decimal"
        value={v.price ?? ''}
        {...invalid(errors, 'price')}
      />
      <FieldErrorText errors={errors} field="price" />
      <label for="q-qty">Quantity</label>
      <input
        id="q-qty"
        name="quantity"
        inputmode="numeric"
        value={v.quantity ?? ''}
        {...invalid(errors, 'quantity')}
      />
      <FieldErrorText errors={errors} field="quantity" />
      <FieldErrorText errors={errors} field="marketplaceId" />
      <p>
        <button type="submit">Queue edit</button>
      </p>
    </form>
  );
}

/** Removes a SKU's listing in a marketplace. */
export function DeleteForm(p: FormProps) {
  const v = p.values;
  const errors = p.errors;
  return (
    <form method="post" action={`${p.base}/delete`} class="card" data-form="delete" id="delete">
      <h2 style="margin-top:0">Delete a listing</h2>
      <input type="hidden" name="_csrf" value={p.csrf} />
      <SkuInput id="d-sku" value={v.sku} errors={errors} />
      <MarketplaceSelect connection={p.connection} value={v.marketplaceId} id="d-mp" />
      <p>
        <button type="submit" class="danger">
          Queue delete
        </button>
      </p>
    </form>
  );
}

function TemplateInput(props: {
  field: TemplateField;
  values: Record<string, string>;
  errors: readonly FieldError[];
}) {
  const { field } = props;
  const name = inputName(field.attribute);
  const id = `t-${field.attribute}`;
  const value = props.values[name] ?? '';
  const input =
    field.kind === 'choice' ? (
      <select id={id} name={name} required {...invalid(props.errors, name)}>
        <option value="">Choose…</option>
        {(field.choices ?? []).map((c) => (
          <option value={c} selected={value === c}>
            {c}
          </option>
        ))}
      </select>
    ) : (
      <input
        id={id}
        name={name}
        required
        value={value}
        {...(field.kind === 'price' ? { inputmode: 'decimal' } : {})}
        {...(field.kind === 'quantity' ? { inputmode: 'numeric' } : {})}
        {...invalid(props.errors, name)}
      />
    );
  return (
    <div data-template-field={field.attribute}>
      <label for={id}>
        {field.label} <span class="small">(required · {field.attribute})</span>
      </label>
      {field.kind === 'identifier' ? (
        <select name={`${name}.type`} aria-label={`${field.label}: type`} style="width:auto">
          {IDENTIFIER_TYPES.map((t) => (
            <option value={t} selected={(props.values[`${name}.type`] ?? 'upc') === t}>
              {t.toUpperCase()}
            </option>
          ))}
        </select>
      ) : null}
      {input}
      {field.hint ? <p class="small">{field.hint}</p> : null}
      <FieldErrorText errors={props.errors} field={name} />
    </div>
  );
}

/**
 * A full listing from the product type's template: choose the type (a link per type), then fill
 * in its required attributes, one input each.
 */
export function TemplateForm(p: FormProps & { template: ProductTemplate | null; chosen: string | null }) {
  const v = p.values;
  const errors = p.errors;
  const t = p.template;
  return (
    <div class="card" id="template" data-form-template={t?.productType ?? ''}>
      <h2 style="margin-top:0">New listing from a product-type template</h2>
      <p data-template-types>
        Product type:{' '}
        {TEMPLATE_TYPES.map((type, i) => (
          <>
            {i > 0 ? ' · ' : ''}
            {t?.productType === type ? (
              <strong>{type}</strong>
            ) : (
              <a href={`${p.base}?template=${type}#template`} data-template-type={type}>
                {type}
              </a>
            )}
          </>
        ))}
      </p>
      {p.chosen && !t ? (
        <p class="small error-text">
          No template for {p.chosen}: use the JSON form below with the attributes of its product type
          definition.
        </p>
      ) : null}
      {t ? (
        <form method="post" action={`${p.base}/template`} data-form="template">
          <input type="hidden" name="_csrf" value={p.csrf} />
          <input type="hidden" name="productType" value={t.productType} />
          <p class="small">
            {t.productType}: {t.description}. Every field is required for a listing of this type.
          </p>
          <SkuInput id="t-sku" value={v.sku} errors={errors} />
          <MarketplaceSelect connection={p.connection} value={v.marketplaceId} id="t-mp" />
          {t.fields.map((field) => (
            <TemplateInput field={field} values={v.fields ?? {}} errors={errors} />
          ))}
          <p>
            <button type="submit">Queue listing</button>
          </p>
        </form>
      ) : null}
    </div>
  );
}
