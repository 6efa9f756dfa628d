// A scripted OpenAI-compatible upstream for the proxy tests: answers a user turn with a
// searchCatalog tool call (then previewOrder after the first result), and a tool result
// with text. Streams when asked, splitting tool-call arguments across SSE chunks the way
// real servers do. Refuses requests without the client's bearer token.
import http from 'node:http';

export function startUpstream(expectedKey) {
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${expectedKey}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'missing or wrong API key', type: 'auth' } }));
        return;
      }
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'fake' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
        return;
      }
      const request = JSON.parse(body);
      const last = request.messages[request.messages.length - 1];
      const id = `call_${++calls}`;
      let message;
      const parallel = /parallel/.test(request.messages.find((m) => m.role === 'user').content);
      if (last.role === 'user' && parallel) {
        message = { role: 'assistant', content: null, tool_calls: [
          { id: `${id}_a`, type: 'function', function: { name: 'searchCatalog', arguments: JSON.stringify({ query: 'blue runner' }) } },
          { id: `${id}_b`, type: 'function', function: { name: 'searchCatalog', arguments: JSON.stringify({ query: 'red runner' }) } }] };
      } else if (parallel) {
        message = { role: 'assistant', content: 'Both come to $79.00.' };
      } else if (last.role === 'user') {
        message = { role: 'assistant', content: null, tool_calls: [{ id, type: 'function',
          function: { name: 'searchCatalog', arguments: JSON.stringify({ query: 'blue runner' }) } }] };
      } else if (last.role === 'tool' && request.messages.filter((m) => m.role === 'tool').length === 1) {
        message = { role: 'assistant', content: null, tool_calls: [{ id, type: 'function',
          function: { name: 'previewOrder',
            arguments: JSON.stringify({ items: [{ sku: 'RUN-BLUE-42', quantity: 1 }] }) } }] };
      } else {
        message = { role: 'assistant', content: 'That comes to $79.00.' };
      }
      const created = 1767225600;
      if (!request.stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${calls}` });
        res.end(JSON.stringify({ id: `chatcmpl-${calls}`, object: 'chat.completion', created,
          model: request.model, choices: [{ index: 0, message,
          finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }] }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': `req_${calls}` });
      const chunk = (delta, finish = null) =>
        `data: ${JSON.stringify({ id: `chatcmpl-${calls}`, object: 'chat.completion.chunk',
          created, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const parts = [chunk({ role: 'assistant', content: message.content ? '' : null })];
      if (message.tool_calls) {
        // Each call's start first, then their arguments interleaved, as parallel calls stream.
        message.tool_calls.forEach((call, index) => parts.push(chunk({ tool_calls: [{ index, id: call.id,
          type: 'function', function: { name: call.function.name, arguments: '' } }] })));
        for (const half of [0, 1]) {
          message.tool_calls.forEach((call, index) => {
            const args = call.function.arguments;
            const cut = Math.floor(args.length / 2);
            parts.push(chunk({ tool_calls: [{ index,
              function: { arguments: half ? args.slice(cut) : args.slice(0, cut) } }] }));
          });
        }
        parts.push(chunk({}, 'tool_calls'));
      } else {
        for (const word of message.content.split(' ')) parts.push(chunk({ content: word + ' ' }));
        parts.push(chunk({}, 'stop'));
      }
      if (request.stream_options?.include_usage) {
        parts.push(`data: ${JSON.stringify({ id: `chatcmpl-${calls}`, object: 'chat.completion.chunk',
          created, model: request.model, choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } })}\n\n`);
      }
      parts.push('data: [DONE]\n\n');
      let i = 0;
      const next = () => {
        if (i === parts.length) return res.end();
        res.write(parts[i++]);
        setTimeout(next, 5);
      };
      next();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
