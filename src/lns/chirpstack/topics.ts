import { CallerError } from '../../core/errors.js';
import { isEui64, parseEui64, type Eui64 } from '../../core/eui.js';
import { ChirpstackPayloadError } from './payload-error.js';

// ChirpStack's MQTT integration topics are Handlebars templates in `[integration.mqtt]`
// (event_topic, command_topic). Defaults and the variable patterns come from
// chirpstack/src/integration/mqtt.rs: it matches commands with application_id `[\w-]+`,
// dev_eui `\w+`, command `\w+`, and subscribes with "+" in every variable.

export const DEFAULT_EVENT_TOPIC = 'application/{{application_id}}/device/{{dev_eui}}/event/{{event}}';
export const DEFAULT_COMMAND_TOPIC = 'application/{{application_id}}/device/{{dev_eui}}/command/{{command}}';

export interface TopicTemplates {
  /** `[integration.mqtt] event_topic`. */
  event?: string;
  /** `[integration.mqtt] command_topic`. */
  command?: string;
}

export interface EventTopic {
  applicationId: string;
  devEui: Eui64;
  /** up, join, ack, txack, log, status, location, integration (ChirpStack may add more). */
  event: string;
}

export interface CommandTopic {
  applicationId: string;
  devEui: Eui64;
  /** Only `down` exists in ChirpStack v4. */
  command: string;
}

type Variable = 'application_id' | 'dev_eui' | 'event' | 'command';

const VARIABLE_PATTERN: Record<Variable, string> = {
  application_id: '[\\w-]+',
  dev_eui: '\\w+',
  event: '\\w+',
  command: '\\w+',
};

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** One parsed template: render, match and subscribe. */
class TopicTemplate {
  private readonly regex: RegExp;
  private readonly order: Variable[] = [];

  constructor(
    readonly template: string,
    variables: readonly Variable[],
    private readonly name: string,
  ) {
    const seen = new Set<string>();
    let pattern = '';
    let last = 0;
    for (const m of template.matchAll(PLACEHOLDER)) {
      const variable = m[1] as string;
      if (!(variables as readonly string[]).includes(variable)) {
        throw new CallerError('CHIRPSTACK_TEMPLATE_INVALID', `${name} template ${JSON.stringify(template)}: expected only {{${variables.join('}}, {{')}}}, got {{${variable}}}`);
      }
      pattern += escapeRegex(template.slice(last, m.index)) + `(${VARIABLE_PATTERN[variable as Variable]})`;
      last = m.index + m[0].length;
      this.order.push(variable as Variable);
      seen.add(variable);
    }
    pattern += escapeRegex(template.slice(last));
    const absent = variables.filter((v) => !seen.has(v));
    if (absent.length > 0 || /[{}#+]/.test(template.replace(PLACEHOLDER, ''))) {
      throw new CallerError('CHIRPSTACK_TEMPLATE_INVALID', `${name} template ${JSON.stringify(template)}: expected each of {{${variables.join('}}, {{')}}} and no MQTT wildcards, got ${absent.length > 0 ? `no {{${absent.join('}}, {{')}}}` : 'a wildcard or stray brace'}`);
    }
    this.regex = new RegExp(`^${pattern}$`);
  }

  render(values: Record<Variable, string>): string {
    return this.template.replace(PLACEHOLDER, (_, variable: Variable) => values[variable]);
  }

  /** The variables of `topic`, or undefined if it does not match. A repeated variable must repeat its value. */
  match(topic: string): Partial<Record<Variable, string>> | undefined {
    const m = this.regex.exec(topic);
    if (m === null) return undefined;
    const out: Partial<Record<Variable, string>> = {};
    for (let i = 0; i < this.order.length; i++) {
      const variable = this.order[i]!;
      const value = m[i + 1] as string;
      if (out[variable] !== undefined && out[variable] !== value) return undefined;
      out[variable] = value;
    }
    return out;
  }

  /** A filter with `fixed` variables filled in; a level holding any other variable becomes `+`. */
  filter(fixed: Partial<Record<Variable, string>>): string {
    return this.template
      .split('/')
      .map((level) => {
        let wild = false;
        const text = level.replace(PLACEHOLDER, (_, variable: Variable) => {
          const value = fixed[variable];
          if (value === undefined) wild = true;
          return value ?? '';
        });
        return wild ? '+' : text;
      })
      .join('/');
  }

  mismatch(topic: string, why: string): ChirpstackPayloadError {
    return new ChirpstackPayloadError('CHIRPSTACK_TOPIC_MISMATCH', 'MQTT topic', JSON.stringify(topic), `the ${this.name} template ${JSON.stringify(this.template)}`, why);
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function checkApplicationId(applicationId: string): string {
  if (!/^[\w-]+$/.test(applicationId)) {
    throw new CallerError('CHIRPSTACK_APPLICATION_ID_INVALID', `applicationId: expected letters, digits, "_" or "-" (a UUID), got ${JSON.stringify(applicationId)}`);
  }
  return applicationId;
}

function checkName(field: string, value: string): string {
  if (!/^\w+$/.test(value)) {
    throw new CallerError('CHIRPSTACK_TOPIC_NAME_INVALID', `${field}: expected letters, digits or "_", got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The topics of one ChirpStack MQTT integration. */
export class ChirpstackTopics {
  private readonly eventTemplate: TopicTemplate;
  private readonly commandTemplate: TopicTemplate;

  constructor(templates: TopicTemplates = {}) {
    this.eventTemplate = new TopicTemplate(templates.event ?? DEFAULT_EVENT_TOPIC, ['application_id', 'dev_eui', 'event'], 'event_topic');
    this.commandTemplate = new TopicTemplate(templates.command ?? DEFAULT_COMMAND_TOPIC, ['application_id', 'dev_eui', 'command'], 'command_topic');
  }

  eventTopic(applicationId: string, devEui: string, event: string): string {
    return this.eventTemplate.render({ application_id: checkApplicationId(applicationId), dev_eui: parseEui64(devEui, 'devEui'), event: checkName('event', event), command: '' });
  }

  commandTopic(applicationId: string, devEui: string, command = 'down'): string {
    return this.commandTemplate.render({ application_id: checkApplicationId(applicationId), dev_eui: parseEui64(devEui, 'devEui'), command: checkName('command', command), event: '' });
  }

  /** Every event of every device of the application (`application/<id>/device/+/event/+`). */
  eventSubscription(applicationId: string): string {
    return this.eventTemplate.filter({ application_id: checkApplicationId(applicationId) });
  }

  /** Every command of every application: what ChirpStack itself subscribes to (the simulator needs it). */
  commandSubscription(): string {
    return this.commandTemplate.filter({});
  }

  parseEventTopic(topic: string): EventTopic {
    const values = this.eventTemplate.match(topic);
    if (values === undefined) throw this.eventTemplate.mismatch(topic, 'a topic that does not match');
    return { applicationId: values.application_id as string, devEui: this.devEui(this.eventTemplate, topic, values.dev_eui as string), event: values.event as string };
  }

  parseCommandTopic(topic: string): CommandTopic {
    const values = this.commandTemplate.match(topic);
    if (values === undefined) throw this.commandTemplate.mismatch(topic, 'a topic that does not match');
    return { applicationId: values.application_id as string, devEui: this.devEui(this.commandTemplate, topic, values.dev_eui as string), command: values.command as string };
  }

  private devEui(template: TopicTemplate, topic: string, text: string): Eui64 {
    // ChirpStack writes EUIs as 16 lowercase hex digits (lrwn EUI64 Display).
    const lower = text.toLowerCase();
    if (!isEui64(lower)) throw template.mismatch(topic, `dev_eui ${JSON.stringify(text)} (expected 16 hex digits)`);
    return lower;
  }
}
