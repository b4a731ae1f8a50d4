// A flavor that is only a Dockerfile (flavors/Dockerfile.<name>, no matrix row):
// its defaults are the Dockerfile's own global ARGs, FAMILY, FLAVOR_RELEASE and
// BASE_IMAGE, which is how "adding a flavor is adding one file" works.
import { DockerfileParser } from 'dockerfile-ast';
import { expandWord } from '../src/dockerfile/lex.js';
import { FAMILY_DEFAULTS, type Family } from './matrix.js';

export interface DockerfileFlavorDefaults {
  family?: Family;
  release?: string;
  baseImage?: string;
}

const FAMILIES = Object.keys(FAMILY_DEFAULTS) as Family[];

/** The defaults of the global ARGs FAMILY, FLAVOR_RELEASE and BASE_IMAGE, expanded as FROM would see them. */
export function dockerfileFlavorDefaults(text: string, args: Record<string, string>): DockerfileFlavorDefaults {
  const df = DockerfileParser.parse(text);
  const esc = df.getEscapeCharacter();
  const vars = new Map<string, string>();
  for (const arg of df.getInitialARGs()) {
    const p = arg.getProperty();
    if (!p) continue;
    const name = p.getName();
    if (Object.hasOwn(args, name)) vars.set(name, args[name]);
    else {
      const raw = rawValue(arg.getRawArgumentsContent() ?? '', name);
      if (raw !== undefined) vars.set(name, expandWord(raw, vars, esc));
    }
  }
  const family = vars.get('FAMILY');
  return {
    family: FAMILIES.includes(family as Family) ? (family as Family) : undefined,
    release: vars.get('FLAVOR_RELEASE') || undefined,
    baseImage: vars.get('BASE_IMAGE') || undefined,
  };
}

// `ARG NAME=value`: the text after '=', quotes kept for expandWord to remove.
function rawValue(content: string, name: string): string | undefined {
  const t = content.trim();
  return t.startsWith(`${name}=`) ? t.slice(name.length + 1) : undefined;
}
