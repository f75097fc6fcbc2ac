/**
 * The simulated Coder Agent (chatd's stand-in): every user prompt starts a turn; the chat is `running`
 * until the turn ends, then `waiting` with an assistant reply (a reasoning part and a tool call the
 * tools must leave out, then the reply text), a last turn summary and the next queued prompt promoted.
 * Deterministic and fast by default (one timer per turn); tests script the next turns to run long, to be
 * held until `finish`, to end in `error` with a last_error, or to attach files.
 */
import { randomUUID } from 'node:crypto';
import { now } from '../model';
import type { ChatError, ChatPart, ChatStore, SimChat, SimChatMessage } from './store';

export interface TurnScript {
  /** How long the turn runs; default the simulator's chat turn time. */
  durationMs?: number;
  /** The turn runs until `finish` (or an interrupt), however long that is. */
  hold?: boolean;
  /** The turn ends in status `error` with this last_error. */
  fail?: { message: string; kind?: string; detail?: string; retryable?: boolean };
  /** The reply text; default "Finished: <the prompt's first line>". */
  reply?: string;
  /** Files the agent produces: linked to the chat and referenced by file parts of the reply. */
  files?: { name: string; mimeType: string; content: string | Buffer }[];
}

interface Turn {
  chat: SimChat;
  script: TurnScript;
  prompt: string;
  timer: NodeJS.Timeout | undefined;
}

export class ChatAgent {
  private readonly scripts: TurnScript[] = [];
  private readonly turns = new Map<string, Turn>();

  constructor(
    private readonly store: ChatStore,
    private readonly turnMs: () => number,
  ) {}

  /** The next turn to start (in any chat) follows this script; several queue up in order. */
  scriptNextTurn(script: TurnScript): void {
    this.scripts.push(script);
  }

  isRunning(chatId: string): boolean {
    return this.turns.has(chatId);
  }

  /** Appends a user prompt to the chat's history. */
  addUserMessage(chat: SimChat, content: ChatPart[], createdBy: string): SimChatMessage {
    return this.append(chat, 'user', content, createdBy);
  }

  /** Starts a turn answering `prompt`: the chat is running from now on. */
  start(chat: SimChat, prompt: string): void {
    const script = this.scripts.shift() ?? {};
    const turn: Turn = { chat, script, prompt, timer: undefined };
    this.turns.set(chat.id, turn);
    this.store.setStatus(chat, 'running');
    if (!script.hold) turn.timer = setTimeout(() => this.complete(chat.id), script.durationMs ?? this.turnMs());
  }

  /** Ends the chat's running turn now as if the model had finished; false when none runs. */
  finish(chatId: string): boolean {
    if (!this.turns.has(chatId)) return false;
    this.complete(chatId);
    return true;
  }

  /**
   * chatd's InterruptChat: the running turn stops, what it produced so far is kept (a partial reply),
   * and the chat waits. A chat that is not running is left waiting too.
   */
  interrupt(chat: SimChat): void {
    const turn = this.turns.get(chat.id);
    if (turn) {
      clearTimeout(turn.timer);
      this.turns.delete(chat.id);
      this.append(chat, 'assistant', [{ type: 'text', text: 'Interrupted before finishing.' }], undefined);
    }
    if (chat.status !== 'waiting' || turn) this.store.setStatus(chat, 'waiting');
  }

  /** Starts the next queued prompt, if any (after a turn ends, or after an interrupt). */
  promoteQueued(chat: SimChat): void {
    const next = chat.queue.shift();
    if (!next) return;
    this.append(chat, 'user', next.content, chat.owner_id);
    this.start(chat, textOf(next.content));
  }

  /** Clears every timer (the simulator is closing). */
  stop(): void {
    for (const turn of this.turns.values()) clearTimeout(turn.timer);
    this.turns.clear();
  }

  private complete(chatId: string): void {
    const turn = this.turns.get(chatId);
    if (!turn) return;
    clearTimeout(turn.timer);
    this.turns.delete(chatId);
    const { chat, script } = turn;
    if (script.fail) {
      const error: ChatError = {
        message: script.fail.message,
        kind: script.fail.kind ?? 'generic',
        retryable: script.fail.retryable ?? false,
      };
      if (script.fail.detail) error.detail = script.fail.detail;
      this.store.setStatus(chat, 'error', error);
      return;
    }
    this.reply(chat, turn);
    chat.last_turn_summary = `Answered: ${firstLine(turn.prompt)}`;
    this.store.publish('summary_change', chat);
    this.store.setStatus(chat, 'waiting');
    this.promoteQueued(chat);
  }

  /** The turn's messages: reasoning and a tool call, the tool's result, then the reply with any files. */
  private reply(chat: SimChat, turn: Turn): void {
    const callId = `call_${randomUUID().slice(0, 8)}`;
    this.append(chat, 'assistant', [
      { type: 'reasoning', text: 'Working out what to do.' },
      { type: 'tool-call', tool_call_id: callId, tool_name: 'execute', args: { command: 'true' } },
    ]);
    this.append(chat, 'tool', [
      { type: 'tool-result', tool_call_id: callId, tool_name: 'execute', result: { output: '', exit_code: 0 } },
    ]);
    const fileParts: ChatPart[] = (turn.script.files ?? []).map((f) => {
      const id = this.store.attachFile(
        chat,
        f.name,
        f.mimeType,
        typeof f.content === 'string' ? Buffer.from(f.content) : f.content,
      );
      return { type: 'file', file_id: id, media_type: f.mimeType, name: f.name };
    });
    this.append(chat, 'assistant', [
      { type: 'text', text: turn.script.reply ?? `Finished: ${firstLine(turn.prompt)}` },
      ...fileParts,
    ]);
  }

  private append(chat: SimChat, role: SimChatMessage['role'], content: ChatPart[], createdBy?: string): SimChatMessage {
    const message: SimChatMessage = {
      id: this.store.nextMessageId(),
      chat_id: chat.id,
      created_by: createdBy,
      model_config_id: role === 'assistant' ? chat.last_model_config_id : undefined,
      created_at: now(),
      role,
      content,
    };
    chat.messages.push(message);
    chat.updated_at = message.created_at;
    return message;
  }
}

/** The text parts of a prompt, joined as coderd builds a title source. */
export function textOf(content: ChatPart[]): string {
  return content
    .flatMap((p) => (p.type === 'text' ? [p.text] : []))
    .join(' ')
    .trim();
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
