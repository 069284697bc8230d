// The seed's chain for k6 (`python -m bench peers`). k6 cannot receive the gateway's
// activation callback, so each VU polls the channel until it is active (as the seed's
// authors would), then sends messages over and over, each checked for 201 and a JSON body.
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE = __ENV.LOADSPEC_BENCH_URL;
const BUSINESS = __ENV.LOADSPEC_BENCH_BUSINESS;
const GW = `${BASE}/business/communication`;
const PARAMS = {
  headers: {
    Authorization: `Bearer ${__ENV.LOADSPEC_BENCH_TOKEN}`,
    'Content-Type': 'application/json',
  },
};

export const options = {
  vus: Number(__ENV.LOADSPEC_BENCH_USERS),
  duration: `${__ENV.LOADSPEC_BENCH_SECONDS}s`,
  summaryTrendStats: ['med', 'p(99)'],
};

let channel = null;
let contact = null;

function prepare() {
  const body = { business_uid: BUSINESS, type: 'transactional', display_name: `k6 ${__VU}` };
  channel = http.post(`${GW}/channels`, JSON.stringify(body), PARAMS).json('data.channel.uid');
  for (let i = 0; i < 300; i++) {
    const polled = http.get(`${GW}/channels/${channel}`, PARAMS);
    if (polled.json('data.channel.status') === 'active') break;
    sleep(0.1);
  }
  const clients = http.get(`${BASE}/platform/v1/clients?business_id=${BUSINESS}&per_page=1`, PARAMS);
  contact = clients.json('data.clients.0.id');
}

export default function () {
  if (channel === null) prepare();
  const unique = `${__VU}-${__ITER}-${Date.now()}`;
  const body = {
    channel_uid: channel,
    external_uid: `loadspec-${unique}`,
    contact_uid: contact,
    message: `Load test message ${unique}`,
    message_uid: `msg-${unique}`,
  };
  const reply = http.post(`${GW}/messages`, JSON.stringify(body), PARAMS);
  check(reply, { '201 with a JSON body': (r) => r.status === 201 && r.json() !== null });
}
