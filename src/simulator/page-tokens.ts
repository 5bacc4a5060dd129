import { createHash } from 'node:crypto';

/**
 * Opaque page tokens in the alphabet Amazon's have: standard base64 (RFC 4648 §4,
 * https://www.rfc-editor.org/rfc/rfc4648#section-4) with `+`, `/` and `=` padding. Amazon's v0
 * `NextToken`s look like that, and a client that puts one in a query string without
 * percent-encoding it (RFC 3986 §3.4, https://www.rfc-editor.org/rfc/rfc3986#section-3.4) sends a
 * `+`, which the server reads as a space (https://github.com/amzn/selling-partner-api-docs/issues/422):
 * Amazon answers 400 InvalidInput "We could not decode your NextToken. ...". Every token made here therefore starts with `+/+/` and ends with `==`, so that
 * mistake fails on the first page turn against the simulator as it would against Amazon.
 *
 * Layout (bytes, then base64): MAGIC | JSON | spaces to make the length 1 mod 3 | 8-byte checksum.
 */

/** Three bytes that base64-encode to `+/+/`. */
const MAGIC = Buffer.from([0xfb, 0xff, 0xbf]);
const CHECKSUM_BYTES = 8;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Thrown when a token is not one this module made, or was changed on the way. */
export class UndecodableToken extends Error {
  constructor() {
    super('undecodable page token');
    this.name = 'UndecodableToken';
  }
}

const checksum = (bytes: Buffer): Buffer =>
  createHash('sha256').update(bytes).digest().subarray(0, CHECKSUM_BYTES);

/** Encodes a JSON value as an opaque standard-base64 token that always holds `+`, `/` and `=`. */
export function encodeOpaqueToken(value: unknown): string {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  // Trailing JSON whitespace pads the byte length to 1 mod 3, so base64 ends with `==`.
  const pad = (((1 - (MAGIC.length + json.length + CHECKSUM_BYTES)) % 3) + 3) % 3;
  const body = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  return Buffer.concat([MAGIC, body, checksum(body)]).toString('base64');
}

/** Decodes a token made by encodeOpaqueToken; throws UndecodableToken for anything else. */
export function decodeOpaqueToken(text: string): unknown {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new UndecodableToken();
  const bytes = Buffer.from(text, 'base64');
  // Node's decoder is lenient; a canonical token re-encodes to itself.
  if (bytes.toString('base64') !== text) throw new UndecodableToken();
  if (bytes.length < MAGIC.length + CHECKSUM_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new UndecodableToken();
  }
  const body = bytes.subarray(MAGIC.length, bytes.length - CHECKSUM_BYTES);
  if (!checksum(body).equals(bytes.subarray(bytes.length - CHECKSUM_BYTES))) throw new UndecodableToken();
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new UndecodableToken();
  }
}
