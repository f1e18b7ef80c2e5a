// A CRD's structural schema as upstream publishes it in OpenAPI v2
// (apiextensions-apiserver/pkg/controller/openapi/v2/conversion.go, ToStructuralOpenAPIV2):
// v2 has no anyOf/oneOf/allOf/not and no nullable, and kubectl's v2 models (kube-openapi
// pkg/util/proto) reject unknown fields wherever properties are listed and every array
// without items. So junctors go; a nullable or x-kubernetes-preserve-unknown-fields node
// loses its items and properties (a nullable one its type too); an array left without
// items becomes untyped; a nullable property is no longer required.

type Schema = Record<string, unknown>;

const JUNCTORS = ['allOf', 'oneOf', 'anyOf', 'not'];

function isSchema(v: unknown): v is Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A copy of a CRD version's openAPIV3Schema fit for OpenAPI v2. */
export function crdSchemaForOpenAPIV2(schema: Schema): Schema {
  const out: Schema = { ...schema };
  for (const k of JUNCTORS) delete out[k];
  if (out.nullable === true) {
    delete out.type;
    delete out.items;
    delete out.properties;
  }
  delete out.nullable;
  if (out['x-kubernetes-preserve-unknown-fields'] === true) {
    delete out.items;
    delete out.properties;
  }
  if (out.type === 'array' && out.items === undefined) delete out.type;
  if (isSchema(out.properties) && Array.isArray(out.required)) {
    const props = out.properties;
    const required = out.required.filter((name) => {
      const prop = props[name as string];
      return !(isSchema(prop) && prop.nullable === true);
    });
    if (required.length === 0) delete out.required;
    else out.required = required;
  }
  // Upstream clears every required field when the map's values are nullable.
  if (isSchema(out.additionalProperties) && out.additionalProperties.nullable === true) delete out.required;
  if (isSchema(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, isSchema(v) ? crdSchemaForOpenAPIV2(v) : v]));
  }
  if (isSchema(out.items)) out.items = crdSchemaForOpenAPIV2(out.items);
  if (isSchema(out.additionalProperties)) out.additionalProperties = crdSchemaForOpenAPIV2(out.additionalProperties);
  return out;
}
