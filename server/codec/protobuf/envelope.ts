// The Kubernetes protobuf envelope: the magic `k8s\0`, then a runtime.Unknown message
// {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}
// whose raw bytes are the object's own message (apimachinery pkg/runtime/serializer/protobuf).

import { Reader, Writer, WireError, WireType } from './wire.ts';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_MAGIC: readonly number[] = [0x6b, 0x38, 0x73, 0x00];

/**
 * Why protobuf data could not be decoded or encoded. The server answers `UnknownKind`
 * with 415 UnsupportedMediaType (upstream serves no protobuf for kinds it has no message
 * for, e.g. custom resources) and the others with 400 BadRequest, as upstream does for a
 * body its decoder rejects.
 */
export type ProtobufErrorReason = 'NotProtobuf' | 'Malformed' | 'UnknownKind' | 'Unencodable';

export class ProtobufError extends Error {
  override name = 'ProtobufError';
  constructor(
    readonly reason: ProtobufErrorReason,
    message: string,
  ) {
    super(message);
  }

  get code(): 400 | 415 {
    return this.reason === 'UnknownKind' ? 415 : 400;
  }
}

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function hasProtobufMagic(buf: Uint8Array): boolean {
  return buf.length >= 4 && PROTOBUF_MAGIC.every((b, i) => buf[i] === b);
}

export function decodeEnvelope(buf: Uint8Array): Envelope {
  if (!hasProtobufMagic(buf)) {
    // upstream's wording (runtime/serializer/protobuf.Serializer.Decode)
    throw new ProtobufError(
      'NotProtobuf',
      `provided data does not appear to be a protobuf message, expected prefix [${PROTOBUF_MAGIC.join(' ')}]`,
    );
  }
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  try {
    const r = new Reader(buf, 4);
    while (!r.done()) {
      const { field, wireType } = r.tag();
      if (wireType !== WireType.Bytes) {
        r.skip(wireType);
        continue;
      }
      switch (field) {
        case 1: {
          const tm = new Reader(r.bytes());
          while (!tm.done()) {
            const t = tm.tag();
            if (t.wireType === WireType.Bytes && t.field === 1) out.apiVersion = tm.string();
            else if (t.wireType === WireType.Bytes && t.field === 2) out.kind = tm.string();
            else tm.skip(t.wireType);
          }
          break;
        }
        case 2:
          out.raw = r.bytes();
          break;
        case 3:
          out.contentEncoding = r.string();
          break;
        case 4:
          out.contentType = r.string();
          break;
        default:
          r.skip(wireType);
      }
    }
  } catch (err) {
    if (err instanceof WireError) throw new ProtobufError('Malformed', `malformed protobuf envelope: ${err.message}`);
    throw err;
  }
  if (out.contentEncoding !== '') {
    throw new ProtobufError('Malformed', `unsupported protobuf content encoding ${JSON.stringify(out.contentEncoding)}`);
  }
  return out;
}

/** The envelope as Go writes it: every field present, the two empty strings included. */
export function encodeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const typeMeta = new Writer().tag(1, WireType.Bytes).string(apiVersion).tag(2, WireType.Bytes).string(kind).finish();
  const unknown = new Writer()
    .tag(1, WireType.Bytes)
    .bytes(typeMeta)
    .tag(2, WireType.Bytes)
    .bytes(raw)
    .tag(3, WireType.Bytes)
    .string('')
    .tag(4, WireType.Bytes)
    .string('')
    .finish();
  const out = new Uint8Array(4 + unknown.length);
  out.set(PROTOBUF_MAGIC, 0);
  out.set(unknown, 4);
  return out;
}
