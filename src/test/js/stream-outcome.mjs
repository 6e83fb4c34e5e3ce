// Streams one completion through relay with an official SDK and prints how the SDK saw the end:
//   COMPLETED <chunks>          the iteration ended normally
//   ERROR <class>: <message>    the SDK raised an error
//   responses: the openai SDK on the Responses API (client.responses.create with stream: true)
//   openai-json, anthropic-json: a non-stream call; prints JSON <the answer's id> when the SDK parsed it
// usage: node stream-outcome.mjs openai|responses|anthropic BASE_URL
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const [sdk, baseURL] = process.argv.slice(2);
let chunks = 0;
try {
  if (sdk === 'openai') {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0, timeout: 20000 });
    const stream = await client.chat.completions.create({
      model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const chunk of stream) chunks++;
  } else if (sdk === 'openai-json') {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0, timeout: 20000 });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    console.log(`JSON ${completion.id} ${completion.choices[0].message.content}`);
    process.exit(0);
  } else if (sdk === 'anthropic-json') {
    const client = new Anthropic({ apiKey: 'sk-test', baseURL, maxRetries: 0, timeout: 20000 });
    const message = await client.messages.create({ model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    console.log(`JSON ${message.id} ${message.content[0].text}`);
    process.exit(0);
  } else if (sdk === 'responses') {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0, timeout: 20000 });
    const stream = await client.responses.create({ model: 'm', input: 'hi', stream: true });
    for await (const event of stream) chunks++;
  } else if (sdk === 'anthropic') {
    const client = new Anthropic({ apiKey: 'sk-test', baseURL, maxRetries: 0, timeout: 20000 });
    const stream = await client.messages.create({
      model: 'm', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const event of stream) chunks++;
  } else {
    throw new Error('unknown sdk ' + sdk);
  }
  console.log(`COMPLETED ${chunks}`);
} catch (e) {
  console.log(`ERROR ${e.constructor.name}: ${String(e.message).replace(/\s+/g, ' ')}`);
}
