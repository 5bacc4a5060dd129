/**
 * The User-Agent Amazon asks for (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api): `AppName/Version (Language=Name/version; Platform=...)`.
 * `\` and `/` in the name, `(` in the version, `=` in attribute names and `)` `;` in values are
 * escaped with a backslash; longer than 500 characters is rejected by Amazon, so it is cut.
 */
export function buildUserAgent(input: {
  appName: string;
  appVersion: string;
  attributes?: Record<string, string>;
}): string {
  const name = input.appName.replace(/[\\/]/g, (c) => `\\${c}`);
  const version = input.appVersion.replace(/\(/g, '\\(');
  const attributes = { Language: `TypeScript/Node.js ${process.versions.node}`, ...input.attributes };
  const parts = Object.entries(attributes).map(
    ([k, v]) => `${k.replace(/=/g, '\\=')}=${v.replace(/[);]/g, (c) => `\\${c}`)}`,
  );
  return `${name}/${version} (${parts.join('; ')})`.slice(0, 500);
}
