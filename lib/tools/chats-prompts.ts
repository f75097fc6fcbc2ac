/**
 * coderd's two MCP prompts (codersdk/toolsdk/prompts.go; registered by coderd/mcp/mcp.go
 * `RegisterSDKPrompt` as a single user-role text message): coder_agents_delegate hands a task to a
 * Coder Agents chat and follows it to the end; coder_agents_check reports on an existing chat. Each
 * names the tools its text tells the client to call, and is offered only where all of them are.
 */
import { InvalidArgumentError } from '../errors';

export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
}

export interface PromptSpec {
  name: string;
  description: string;
  arguments: readonly PromptArgument[];
  /** The tools the rendered text instructs the client to call. */
  requiredTools: readonly string[];
  /** The prompt's text for these arguments; a missing required one is a PromptArgumentError. */
  render(args: Readonly<Record<string, string>>): string;
}

/** A prompt argument that is missing or blank (MCP: invalid params). */
export class PromptArgumentError extends InvalidArgumentError {}

function requiredArg(args: Readonly<Record<string, string>>, name: string): string {
  const value = (args[name] ?? '').trim();
  if (!value) throw new PromptArgumentError(`missing required prompt argument: ${name}`);
  return value;
}

const CREATE = 'coder_create_chat';
const GET = 'coder_get_chat';
const MESSAGES = 'coder_get_chat_messages';
const SEND = 'coder_send_chat_message';
const MODELS = 'coder_list_chat_model_configs';

export const agentsDelegate: PromptSpec = {
  name: 'coder_agents_delegate',
  description: 'Delegate a coding task to a Coder Agents chat and monitor it to completion.',
  requiredTools: [CREATE, GET, MESSAGES, SEND, MODELS],
  arguments: [
    {
      name: 'task',
      description: 'The task the Coder Agent should perform, including all context it needs.',
      required: true,
    },
    {
      name: 'model_config_id',
      description: `Optional model config UUID for the chat. When omitted, a model is picked from ${MODELS}.`,
      required: false,
    },
  ],
  render: (args) => {
    const task = requiredArg(args, 'task');
    const modelConfigId = (args.model_config_id ?? '').trim();
    const createStep = modelConfigId
      ? `1. Call ${CREATE} with the task above as the prompt and model_config_id ${JSON.stringify(modelConfigId)}.`
      : `1. Call ${CREATE} with the task above as the prompt. To pick a specific model, call ${MODELS} first and pass its ID as model_config_id.`;
    return `Delegate the following task to a Coder Agent and see it through to completion.

<task>
${task}
</task>

Follow these steps:
${createStep}
2. Share the returned chat URL with the user right away so they can follow along.
3. Poll ${GET} until the chat stops running, waiting between polls.
4. Read the transcript with ${MESSAGES}; page older history with before_id while has_more is true.
5. If the agent needs input or the result needs iteration, reply with ${SEND} and keep monitoring.
6. Report the outcome to the user, including the chat URL and a summary of what the agent did.
`;
  },
};

export const agentsCheck: PromptSpec = {
  name: 'coder_agents_check',
  description: 'Check the status and recent activity of an existing Coder Agents chat.',
  requiredTools: [GET, MESSAGES],
  arguments: [{ name: 'chat_id', description: 'UUID of the Coder Agents chat to check.', required: true }],
  render: (args) => {
    const chatId = requiredArg(args, 'chat_id');
    return `Check on the Coder Agents chat ${JSON.stringify(chatId)} and report back.

Follow these steps:
1. Call ${GET} with the chat_id to get its status, last turn summary, and any last error.
2. Call ${MESSAGES} with the chat_id for recent transcript context, including queued_messages.
3. Summarize for the user: what the agent is doing or has done, whether it is blocked or waiting for input, and any errors. Include the chat URL.
`;
  },
};

/** coderd's prompts, sorted by name as the go-sdk lists them. */
export const CHAT_PROMPTS: readonly PromptSpec[] = [agentsCheck, agentsDelegate];

/** The prompts whose every required tool is offered (toolsdk: "servers with a restricted tool set should skip" the others). */
export function promptsFor(tools: readonly { name: string }[]): PromptSpec[] {
  const offered = new Set(tools.map((t) => t.name));
  return CHAT_PROMPTS.filter((p) => p.requiredTools.every((name) => offered.has(name)));
}
