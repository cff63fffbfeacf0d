import * as gp from '@pydantic/genai-prices';
const data = await gp.waitForUpdate();
for (const id of process.argv.slice(2)) { const p = data.find(p=>p.id===id);
for (const m of p.models) console.log(id, m.id, JSON.stringify(m.match).slice(0,300)); }
