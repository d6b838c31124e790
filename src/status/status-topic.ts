import { ValueError } from '../core/errors.js';

// Status topics are our own templates, in single braces ({campaign_id}) so that nobody mistakes
// them for ChirpStack's Handlebars ones. Values go into one topic level each: a value holding
// "/", "+" or "#" would change the topic's shape or make it a filter, so it is refused.

export type StatusPlaceholder = 'campaign_id' | 'dev_eui';

const PLACEHOLDER = /\{([a-z_]+)\}/g;

/** What is wrong with a template (undefined when fine): the config schema reports it. */
export function statusTopicProblem(template: string, required: readonly StatusPlaceholder[]): string | undefined {
  const found = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const unknown = found.filter((name) => !(required as readonly string[]).includes(name));
  const missing = required.filter((name) => !found.includes(name));
  const wanted = `a topic with ${required.map((name) => `{${name}}`).join(' and ')}`;
  if (unknown.length > 0) return `${wanted} only, not {${unknown.join('}, {')}}`;
  if (missing.length > 0) return `${wanted} (missing {${missing.join('}, {')}})`;
  if (/[#+]/.test(template)) return `${wanted} and no MQTT wildcards`;
  if (template.startsWith('/') || template.endsWith('/') || template.includes('//')) return `${wanted} and no empty levels`;
  return undefined;
}

/** Renders a status topic; `devEui` is needed only by device templates (lower-case hex in topics). */
export function statusTopic(template: string, values: { campaignId: string; devEui?: string }): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const field = `status topic ${JSON.stringify(template)} {${name}}`;
    const value = name === 'campaign_id' ? values.campaignId : name === 'dev_eui' ? values.devEui?.toLowerCase() : undefined;
    if (value === undefined) throw new ValueError(field, 'a value', undefined);
    if (value === '' || /[/+#\u0000]/.test(value)) throw new ValueError(field, 'a non-empty topic level without / + #', value);
    return value;
  });
}
