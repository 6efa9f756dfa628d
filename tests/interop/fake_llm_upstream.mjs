// A scripted upstream for the OpenAI Responses API (POST /v1/responses) and Anthropic
// Messages (POST /v1/messages), streamed and not, in the event shapes the official SDKs'
// stream helpers accumulate. Each conversation: the user asks; the model makes two parallel
// searchCatalog calls; once they are answered it says what it found. Keeps what each
// response and conversation held, as the real APIs do for previous_response_id.
import http from 'node:http';

export const finalText = 'Both runners found: $79.00 each.';
const query = (i, email) => (i === 0 ? `blue runner for ${email}` : 'red runner');
const pieces = (text, n) => Array.from({ length: Math.ceil(text.length / n) }, (_, i) => text.slice(i * n, i * n + n));

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake' });
  res.end(JSON.stringify(body));
}

// Writes the events a few at a time, as a real stream arrives.
function stream(res, events) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let i = 0;
  const next = () => {
    if (i >= events.length) return res.end();
    res.write(events.slice(i, i + 3).map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`).join(''));
    i += 3;
    setTimeout(next, 2);
  };
  next();
}

function responses(request, state, res, email) {
  const id = `resp_${++state.next}`;
  const from = request.previous_response_id ?? request.conversation;
  const items = [...(from ? state.stored.get(from) ?? [] : [])];
  items.push(...(typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input));
  const answered = items.some((item) => item.type === 'function_call_output');
  const output = answered
    ? [{ type: 'message', id: `msg_${id}`, role: 'assistant', status: 'completed',
        content: [{ type: 'output_text', text: finalText, annotations: [] }] }]
    : [{ type: 'reasoning', id: `rs_${id}`, summary: [] },
       ...[0, 1].map((i) => ({ type: 'function_call', id: `fc_${id}_${i}`, call_id: `call_${id}_${i}`,
         name: 'searchCatalog', arguments: JSON.stringify({ query: query(i, email) }), status: 'completed' }))];
  state.stored.set(id, [...items, ...output]);
  if (request.conversation) state.stored.set(request.conversation, [...items, ...output]);
  const response = { id, object: 'response', created_at: 1767225600, status: 'completed', model: request.model,
    output, parallel_tool_calls: true, tools: request.tools ?? [], usage: { input_tokens: 20, output_tokens: 9, total_tokens: 29 } };
  if (!request.stream) return send(res, 200, response);
  let seq = 0;
  const events = [['response.created', { response: { ...response, status: 'in_progress', output: [] } }]];
  output.forEach((item, i) => {
    const added = item.type === 'function_call' ? { ...item, arguments: '', status: 'in_progress' }
      : item.type === 'message' ? { ...item, content: [], status: 'in_progress' } : item;
    events.push(['response.output_item.added', { output_index: i, item: added }]);
    if (item.type === 'message') {
      events.push(['response.content_part.added', { output_index: i, item_id: item.id, content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] } }]);
    }
  });
  // The calls' argument deltas interleave, as parallel items stream side by side.
  const deltas = output.map((item) => (item.type === 'function_call' ? pieces(item.arguments, 5)
    : item.type === 'message' ? pieces(finalText, 4) : []));
  for (let k = 0; deltas.some((d) => k < d.length); k++) {
    deltas.forEach((d, i) => {
      if (k >= d.length) return;
      events.push(output[i].type === 'function_call'
        ? ['response.function_call_arguments.delta', { output_index: i, item_id: output[i].id, delta: d[k] }]
        : ['response.output_text.delta', { output_index: i, item_id: output[i].id, content_index: 0, delta: d[k] }]);
    });
  }
  output.forEach((item, i) => events.push(['response.output_item.done', { output_index: i, item }]));
  events.push(['response.completed', { response }]);
  stream(res, events.map(([type, data]) => [type, { ...data, sequence_number: seq++ }]));
}

function messages(request, state, res, email) {
  const id = `msg_${++state.next}`;
  const last = request.messages.at(-1);
  const answered = Array.isArray(last.content) && last.content.some((b) => b.type === 'tool_result');
  const content = answered ? [{ type: 'text', text: finalText, citations: null }]
    : [{ type: 'text', text: 'Let me look for both.', citations: null },
       ...[0, 1].map((i) => ({ type: 'tool_use', id: `toolu_${id}_${i}`, name: 'searchCatalog', input: { query: query(i, email) } }))];
  const usage = { input_tokens: 20, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const message = { id, type: 'message', role: 'assistant', model: request.model, content,
    stop_reason: answered ? 'end_turn' : 'tool_use', stop_sequence: null, usage };
  if (!request.stream) return send(res, 200, message);
  const events = [['message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }], ['ping', {}]];
  content.forEach((block, index) => {
    const call = block.type === 'tool_use';
    events.push(['content_block_start', { index, content_block: call ? { ...block, input: {} } : { ...block, text: '' } }]);
    for (const part of pieces(call ? JSON.stringify(block.input) : block.text, 6)) {
      events.push(['content_block_delta', { index, delta: call ? { type: 'input_json_delta', partial_json: part } : { type: 'text_delta', text: part } }]);
    }
    events.push(['content_block_stop', { index }]);
  });
  events.push(['message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: 9 } }]);
  events.push(['message_stop', {}]);
  stream(res, events);
}

export function startLlmUpstream(apiKey, email) {
  const state = { next: 0, stored: new Map() };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/messages') {
        // Anthropic's SDKs send the key as x-api-key, or (newer ones) as a bearer token.
        if (req.headers['x-api-key'] !== apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
          return send(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
        }
        return messages(JSON.parse(body), state, res, email);
      }
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        return send(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
      }
      if (req.method === 'POST' && req.url === '/v1/responses') return responses(JSON.parse(body), state, res, email);
      send(res, 404, { error: { message: `no route ${req.url}`, type: 'invalid_request_error' } });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
