// The simulated ChirpStack's MQTT topics, made as chirpstack/src/integration/mqtt.rs makes them:
// `[integration.mqtt] event_topic` and `command_topic` are Handlebars templates rendered without
// escaping; the command subscription renders every variable as "+"; a received topic is matched
// with a regex rendered from the same template (variables → `([\w-]+)`, `(\w+)`, `(\w+)`, the
// literal text left as it is), unanchored, and its three groups are read by position as
// application_id, dev_eui, command (message_callback). Defaults: chirpstack/src/config.rs.

export const SIM_EVENT_TOPIC = 'application/{{application_id}}/device/{{dev_eui}}/event/{{event}}';
export const SIM_COMMAND_TOPIC = 'application/{{application_id}}/device/{{dev_eui}}/command/{{command}}';

export interface SimTopicTemplates {
  event?: string;
  command?: string;
}

export interface SimCommandTopic {
  applicationId: string;
  devEui: string;
  command: string;
}

/** Handlebars `{{name}}` substitution; an unknown name renders empty, as in Handlebars' default (non-strict) mode. */
function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => values[name] ?? '');
}

export class SimChirpstackTopics {
  private readonly eventTemplate: string;
  private readonly commandTemplate: string;
  private readonly commandRegex: RegExp;

  constructor(templates: SimTopicTemplates = {}) {
    this.eventTemplate = templates.event ?? SIM_EVENT_TOPIC;
    this.commandTemplate = templates.command ?? SIM_COMMAND_TOPIC;
    this.commandRegex = new RegExp(render(this.commandTemplate, { application_id: '([\\w-]+)', dev_eui: '(\\w+)', command: '(\\w+)' }));
  }

  eventTopic(applicationId: string, devEui: string, event: string): string {
    return render(this.eventTemplate, { application_id: applicationId, dev_eui: devEui, event });
  }

  /** What ChirpStack subscribes to: every application, device and command. */
  commandSubscription(): string {
    return render(this.commandTemplate, { application_id: '+', dev_eui: '+', command: '+' });
  }

  /** The topic's variables, or undefined where ChirpStack logs "Error parsing command topic". */
  parseCommandTopic(topic: string): SimCommandTopic | undefined {
    const m = this.commandRegex.exec(topic);
    // caps.len() != 4: the template must hold exactly three variables.
    if (m === null || m.length !== 4) return undefined;
    return { applicationId: m[1] ?? '', devEui: m[2] ?? '', command: m[3] ?? '' };
  }
}
