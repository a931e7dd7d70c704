// Browser scenarios for Helpdesk's pages, run by crates/cli/tests/it/browser.rs with a fixture file
// (the server's address, the people, the unit and category it prepared). Each scenario asserts
// what appears on screen; a failed assertion ends the run with a non-zero status. Screenshots of
// the main pages go to the fixture's `screenshots` folder and their paths are printed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const fixture = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { launch } = await import(pathToFileURL(path.join(fixture.peer, 'browser.mjs')).href);
const base = fixture.base_url;
const people = fixture.people;
const stamp = Date.now().toString(36);

// ---- helpers ----

async function shot(page, name) {
  const file = path.join(fixture.screenshots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

function decode(raw) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  let body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(raw)) {
    body = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  } else if (/content-transfer-encoding:\s*base64/i.test(head)) {
    body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return `${head}\n\n${body}`;
}

// The messages captured for `to` (the capture server writes the envelope as X-RcptTo).
function mailsFor(to) {
  const dir = path.join(fixture.maildir, 'new');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .map(f => fs.readFileSync(path.join(dir, f), 'utf8'))
    .filter(raw => new RegExp(`^X-RcptTo:.*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(raw))
    .map(decode);
}

async function linkMailedTo(to) {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    for (const mail of mailsFor(to)) {
      const link = mail.match(/https?:\/\/\S+?token=[A-Za-z0-9._~%-]+/);
      if (link) return link[0];
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`no link was mailed to ${to}`);
}

// Waits (at most 20 s) for a message to `to` that matches `pattern`.
async function mailed(to, pattern) {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (mailsFor(to).some(mail => pattern.test(mail))) return;
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`no message matching ${pattern} was mailed to ${to}`);
}

// axe-core (npm, next to this file) checks labels, heading order, contrast, landmarks, ARIA.
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function accessible(page, what) {
  // Evaluated through the DevTools protocol, so the page's Content-Security-Policy does not stop it.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3) }));
  });
  const serious = result.filter(v => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${what}: no serious accessibility violations`);
  const minor = result.filter(v => !serious.includes(v));
  if (minor.length) console.log(`note: ${what}: ${minor.map(v => `${v.id} (${v.impact})`).join(', ')}`);
}

async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

async function signIn(page, email, password = fixture.password) {
  await page.context().clearCookies();
  await page.goto(`${base}/login`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
  assert.match(page.url(), /\/dashboard$/, `${email} lands on the dashboard after signing in`);
}

function ticketIdOf(page) {
  const id = new URL(page.url()).pathname.match(/\/tickets\/(\d+)/);
  assert.ok(id, `a ticket page: ${page.url()}`);
  return Number(id[1]);
}

async function submit(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
}

const scenarios = [];
const scenario = (name, run) => scenarios.push({ name, run });

// ---- the scenarios, in order: later ones use what earlier ones made ----

const community = { email: `community.${stamp}@example.org`, name: `Casey Community ${stamp}` };
let publicTicket;
let privateTicket;

scenario('a community user registers, confirms the address and opens a public ticket with a category field', async page => {
  await page.context().clearCookies();
  await page.goto(`${base}/`);
  await shot(page, 'home-anonymous');
  await page.getByRole('link', { name: 'Register' }).click();
  await page.getByLabel('Your name').fill(community.name);
  await page.getByLabel('E-mail address').fill(community.email);
  await page.getByLabel('Password').fill(fixture.password);
  await shot(page, 'register');
  await submit(page, 'Register');
  assert.equal(await text(page, 'h1'), 'Check your mail');
  const link = await linkMailedTo(community.email);
  await page.goto(link);
  assert.equal(await text(page, 'h1'), 'Address confirmed');
  await signIn(page, community.email);
  await page.getByRole('link', { name: 'Open a ticket' }).click();
  assert.equal(await page.locator('#in-attachments').count(), 0, 'community users are not offered attachments');
  // A refusal keeps everything typed and says what is wrong next to the field.
  await page.getByLabel('Description').fill('Transfers from site A stall at 99%.');
  await page.selectOption('#in-category', { label: fixture.category.name });
  await page.waitForSelector('#field-version');
  await submit(page, 'Open the ticket');
  assert.match(await text(page, '#err-title'), /must not be empty/, 'the title error stands next to the title');
  assert.equal(await page.locator('#in-description').inputValue(), 'Transfers from site A stall at 99%.');
  await page.getByLabel('Title').fill(`Transfers stall ${stamp}`);
  await page.waitForSelector('#field-version');
  await page.getByLabel('Product version (required)').fill('4.2.1');
  await page.selectOption('#field-os', 'Linux');
  await page.getByLabel('How many users are affected?').fill('12');
  await page.getByLabel('How many users are affected?').press('Tab');
  await page.waitForFunction(() => document.querySelector('#priority-preview').textContent.trim() === 'medium');
  await shot(page, 'ticket-new');
  await submit(page, 'Open the ticket');
  publicTicket = ticketIdOf(page);
  assert.match(await text(page, 'h1'), new RegExp(`Transfers stall ${stamp}`));
  assert.match(await text(page, '[role=status]'), /Your ticket is open/);
  assert.match(await page.locator('dl.fields').innerText(), /Product version\s+4\.2\.1/i);
  assert.match(await page.locator('dl.fields').innerText(), /Priority\s+medium/);
  await shot(page, 'ticket-opened');
});

scenario('a supporter of the assigned unit takes the ticket, replies and solves it', async page => {
  await signIn(page, people.supporter.email);
  await page.getByRole('link', { name: 'Queue', exact: true }).click();
  await shot(page, 'queue');
  await page.getByRole('link', { name: `Transfers stall ${stamp}` }).click();
  await submit(page, 'Take it');
  assert.match(await page.locator('dl.fields').innerText(), new RegExp(`Owner\\s+${people.supporter.name}`));
  await page.getByLabel('Your message').fill('We restarted the **transfer agent**; please try again.');
  await submit(page, 'Send');
  assert.match(await page.locator('.article').last().innerText(), /We restarted the transfer agent/);
  await page.getByLabel('Your message').fill('Agent log showed a stuck lock.');
  await page.getByLabel('Internal note (only supporters and staff)').check();
  await submit(page, 'Send');
  assert.match(await page.locator('.article.internal').innerText(), /stuck lock/);
  await page.selectOption('#act-status', 'solved');
  await page.selectOption('#act-resolution', 'fixed');
  await submit(page, 'Change the status');
  assert.equal(await text(page, '#ticket-status'), 'solved');
  await shot(page, 'ticket-supporter');
});

scenario('the user sees the reply, not the internal note, and verifies the solution', async page => {
  await signIn(page, community.email);
  await page.goto(`${base}/tickets/${publicTicket}`);
  const conversation = await page.locator('main').innerText();
  assert.match(conversation, /We restarted the transfer agent/);
  assert.doesNotMatch(conversation, /stuck lock/, 'internal notes never reach the submitter');
  await page.selectOption('#act-status', 'verified');
  await submit(page, 'Change the status');
  assert.equal(await text(page, '#ticket-status'), 'verified');
  await page.goto(`${base}/dashboard`);
  await shot(page, 'dashboard');
  assert.match(await page.locator('table').innerText(), new RegExp(`Transfers stall ${stamp}`));
});

scenario('a named user opens a private ticket with an attachment', async page => {
  await signIn(page, people.named.email);
  await page.getByRole('link', { name: 'Open a ticket' }).click();
  await page.getByLabel('Title').fill(`Private licence question ${stamp}`);
  await page.getByLabel('Description').fill('Our licence key is in the attached file.');
  await page.selectOption('#in-category', { label: fixture.category.name });
  await page.waitForSelector('#field-version');
  await page.getByLabel('Product version (required)').fill('5.0');
  await page.selectOption('#in-privacy', 'private');
  await page.setInputFiles('#in-attachments', {
    name: 'licence.txt', mimeType: 'text/plain', buffer: Buffer.from('KEY-1234-SECRET'),
  });
  await submit(page, 'Open the ticket');
  privateTicket = ticketIdOf(page);
  assert.match(await page.locator('.badge.private').first().innerText(), /private/);
  const download = page.getByRole('link', { name: 'licence.txt' });
  assert.equal(await download.count(), 1, 'the attachment is listed');
  const response = await page.request.get(base + await download.getAttribute('href'));
  assert.equal(await response.text(), 'KEY-1234-SECRET');
  await page.goto(`${base}/dashboard`);
  assert.match(await page.locator('aside').innerText(), /Gold plan/, 'the entitlement shows on the dashboard');
});

scenario('a community user cannot find the private ticket by listing, by address or by search', async page => {
  await signIn(page, community.email);
  await page.goto(`${base}/tickets`);
  assert.doesNotMatch(await page.locator('main').innerText(), /Private licence question/);
  const byUrl = await page.goto(`${base}/tickets/${privateTicket}`);
  assert.equal(byUrl.status(), 404);
  assert.doesNotMatch(await page.locator('main').innerText(), /licence/i);
  const attachment = await page.request.get(`${base}/tickets/${privateTicket}/attachments/1`);
  assert.equal(attachment.status(), 404);
  await page.goto(`${base}/`);
  await page.getByLabel('Search tickets').fill(`Private licence question ${stamp}`);
  await submit(page, 'Search');
  assert.match(await page.locator('main').innerText(), /No tickets here/);
  await page.getByLabel('Search tickets').fill(String(privateTicket));
  await submit(page, 'Search');
  assert.doesNotMatch(await page.locator('main').innerText(), /Private licence question/, 'nor by its number');
  await shot(page, 'search-refused');
});

scenario('a manager approves a join request; the new member then reads the unit\'s private ticket', async page => {
  await signIn(page, people.candidate.email);
  const before = await page.goto(`${base}/tickets/${privateTicket}`);
  assert.equal(before.status(), 404, 'not yet a member');
  await page.goto(`${base}/units`);
  await page.getByLabel('Why you want to join (optional)').first().fill('I run the storage nodes');
  await page.locator(`form[action="/units/${fixture.unit.id}/join"] button`).click();
  await page.waitForLoadState();
  assert.match(await text(page, '[role=status]'), /Your request is sent/);
  await signIn(page, people.manager.email);
  await page.goto(`${base}/units/${fixture.unit.id}`);
  await shot(page, 'unit-manager');
  assert.match(await page.locator('main').innerText(), /I run the storage nodes/);
  await submit(page, `Approve ${people.candidate.name} <${people.candidate.email}>`);
  assert.match(await page.locator('#h-members + ul').innerText(), new RegExp(people.candidate.name));
  await signIn(page, people.candidate.email);
  const after = await page.goto(`${base}/tickets/${privateTicket}`);
  assert.equal(after.status(), 200, 'a member reads the unit\'s private tickets');
  assert.match(await text(page, 'h1'), /Private licence question/);
});

scenario('an admin sets up a unit and a category in the admin pages', async page => {
  await signIn(page, people.admin.email);
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await page.getByRole('link', { name: 'Support units' }).click();
  await page.getByLabel('Name').fill(`Network team ${stamp}`);
  await page.getByLabel('Address (often a mailing list)').fill('network@example.org');
  await page.selectOption('#in-level', '2');
  await page.selectOption('#in-integration', 'redirect');
  await submit(page, 'Create the unit');
  assert.match(await text(page, 'h1'), new RegExp(`Unit Network team ${stamp}`));
  await page.getByLabel('Add a member (their e-mail address)').fill(people.supporter.email);
  await submit(page, 'Add');
  assert.match(await page.locator('main').innerText(), new RegExp(people.supporter.name));
  await page.goto(`${base}/admin/categories`);
  await page.getByLabel('Name').fill(`Networking ${stamp}`);
  await page.selectOption('#in-default_unit', { label: `Network team ${stamp}` });
  await page.getByLabel('Its own fields, one per line').fill('site | Site name | text | required\nipv6 | IPv6 in use | bool | optional');
  await submit(page, 'Save the category');
  assert.match(await text(page, '[role=status]'), /The category is created/);
  // A refusal says what is wrong and keeps what was typed.
  await page.getByLabel('Name').fill(`Broken ${stamp}`);
  await page.getByLabel('Its own fields, one per line').fill('site | Site name | colour');
  await submit(page, 'Save the category');
  assert.match(await page.locator('#in-fields + p + p.error, .field.invalid .error').first().innerText(), /line 1/);
  assert.equal(await page.getByLabel('Name').inputValue(), `Broken ${stamp}`);
  await shot(page, 'admin-categories');
  await page.goto(`${base}/admin/accounts?q=${encodeURIComponent(people.candidate.email)}`);
  assert.match(await page.locator('table').innerText(), new RegExp(people.candidate.name));
  await shot(page, 'admin-accounts');
});

scenario('the main pages have no serious accessibility faults, and the keyboard reaches the content first', async page => {
  await page.context().clearCookies();
  for (const path of ['/', '/login', '/register', `/tickets/${publicTicket}`]) {
    await page.goto(`${base}${path}`);
    await accessible(page, `${path} for a visitor`);
  }
  await page.goto(`${base}/`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the content');
  await signIn(page, people.admin.email);
  for (const path of ['/dashboard', '/tickets/new', `/tickets/${privateTicket}`, '/queue', '/triage', '/units',
    `/units/${fixture.unit.id}`, '/profile', '/admin', '/admin/units', '/admin/categories', '/admin/organisations',
    '/admin/accounts']) {
    await page.goto(`${base}${path}`);
    await accessible(page, `${path} for an admin`);
  }
});

scenario('an admin gives an external unit its connector, tests it, and follows its tickets', async page => {
  await signIn(page, people.admin.email);
  await page.goto(`${base}/admin/units`);
  await page.getByLabel('Name', { exact: true }).fill(`RT at EUDAT ${stamp}`);
  await page.selectOption('#in-integration', 'external');
  await page.getByLabel('Address (often a mailing list)').fill('rt@example.org');
  await submit(page, 'Create the unit');
  await page.getByRole('link', { name: 'Connector to its ticketing system' }).click();
  assert.match(await text(page, 'h1'), /Connector of RT at EUDAT/);
  await page.selectOption('#in-kind', 'rt');
  await page.getByLabel('Address', { exact: true }).fill('http://127.0.0.1:9');
  await page.getByLabel('Queue there').fill('General');
  await page.getByLabel('User name').fill('helpdesk-sync');
  // Refused without the password: the form says so next to the field and keeps what was typed.
  await submit(page, 'Save the connector');
  assert.match(await text(page, '#err-secret'), /RT needs the user's password/);
  assert.equal(await page.getByLabel('Queue there').inputValue(), 'General');
  await page.getByLabel('User name').fill('helpdesk-sync');
  await page.getByLabel('Password or API token').fill('a password never shown again');
  await submit(page, 'Save the connector');
  assert.match(await text(page, '[role="status"]'), /The connector is saved/);
  assert.equal(await page.getByLabel('Password or API token').inputValue(), '', 'the password is not shown back');
  assert.match(await page.content(), /Credentials are stored/);
  await submit(page, 'Test connection');
  assert.match(await text(page, 'p.error'), /It does not work: cannot connect to RT at http:\/\/127.0.0.1:9/);
  await shot(page, 'admin-connector');
  await accessible(page, 'the connector page');
  await page.goto(`${base}/sync`);
  assert.equal(await text(page, 'h1'), 'External tickets');
  await shot(page, 'sync');
  await accessible(page, 'the external tickets page');
});

// Opens a ticket in the fixture's category as whoever is signed in; its number.
async function openTicket(page, title) {
  await page.goto(`${base}/tickets/new`);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill('The shared storage refuses every write since this morning.');
  await page.selectOption('#in-category', { label: fixture.category.name });
  await page.waitForSelector('#field-version');
  await page.getByLabel('Product version (required)').fill('4.2.1');
  await submit(page, 'Open the ticket');
  return ticketIdOf(page);
}

scenario('a supporter marks a duplicate and solves the master: both requesters get the solution', async page => {
  await signIn(page, community.email);
  const master = await openTicket(page, `Storage refuses writes ${stamp}`);
  await signIn(page, people.named.email);
  const slave = await openTicket(page, `Cannot save my files ${stamp}`);
  await signIn(page, people.supporter.email);
  await page.goto(`${base}/tickets/${slave}`);
  await page.getByLabel('Relate to ticket number').fill(String(master));
  await page.selectOption('#rel-kind', 'master');
  await submit(page, 'Relate');
  assert.match(await page.locator('main').innerText(), new RegExp(`This ticket is a duplicate of #${master}`));
  assert.match(await text(page, '#ticket-status'), /on.hold/);
  await shot(page, 'ticket-duplicate');
  await page.goto(`${base}/tickets/${master}`);
  await submit(page, 'Take it');
  await page.getByLabel('Your message').fill('The storage is writable again.');
  await submit(page, 'Send');
  await page.selectOption('#act-status', 'solved');
  await page.selectOption('#act-resolution', 'fixed');
  await submit(page, 'Change the status');
  assert.equal(await text(page, '#ticket-status'), 'solved');
  for (const [who, id] of [[community.email, master], [people.named.email, slave]]) {
    // A long subject is folded onto lines that start with a space.
    await mailed(who, new RegExp(`^Subject:(?:.|\\r?\\n )*\\[Helpdesk #${id}\\](?:.|\\r?\\n )*solved`, 'mi'));
  }
  await signIn(page, people.named.email);
  await page.goto(`${base}/tickets/${slave}`);
  assert.equal(await text(page, '#ticket-status'), 'solved');
  assert.match(await page.locator('main').innerText(), /The storage is writable again/, 'the master\'s reply, as its own');
});

scenario('a supporter splits a request into parts for two units; it goes on when both are solved', async page => {
  await signIn(page, community.email);
  const parent = await openTicket(page, `A project space with storage ${stamp}`);
  await signIn(page, people.supporter.email);
  await page.goto(`${base}/tickets/${parent}`);
  for (const [unit, title] of [[fixture.second_unit, `Storage for the project ${stamp}`], [fixture.unit, `Accounts for the project ${stamp}`]]) {
    await page.locator('summary', { hasText: 'Open a part of this request' }).click();
    await page.selectOption('#child-unit', { label: unit.name });
    await page.fill('#child-title', title);
    await page.fill('#child-description', 'Please set this up for the project.');
    await submit(page, 'Open the part');
    assert.match(await text(page, '[role=status]'), /The part is opened/);
  }
  assert.match(await text(page, '#ticket-status'), /on.hold/, 'the request waits for its parts');
  const related = await page.locator('ul.related').first().innerText();
  assert.match(related, new RegExp(`part\\s+#\\d+ Storage for the project ${stamp}`));
  assert.match(related, new RegExp(`part\\s+#\\d+ Accounts for the project ${stamp}`));
  const parts = await page.locator('ul.related a').evaluateAll(links => links.map(a => Number(a.getAttribute('href').split('/').pop())));
  assert.equal(parts.length, 2);
  await shot(page, 'ticket-parent');
  await accessible(page, 'a request split in parts');

  await signIn(page, people.admin.email);
  for (const id of parts) {
    await page.goto(`${base}/tickets/${id}`);
    assert.match(await page.locator('main').innerText(), new RegExp(community.name), 'the part is the requester\'s');
    for (const status of ['in_progress', 'solved']) {
      await page.selectOption('#act-status', status);
      if (status === 'solved') await page.selectOption('#act-resolution', 'fixed');
      await submit(page, 'Change the status');
    }
  }
  await signIn(page, community.email);
  await page.goto(`${base}/tickets/${parent}`);
  assert.match(await text(page, '#ticket-status'), /in.progress/, 'both parts solved, the request goes on');
  const main = await page.locator('main').innerText();
  for (const unit of [fixture.second_unit, fixture.unit]) {
    assert.match(main, new RegExp(`A part of this request, handled by ${unit.name}, is solved \\(fixed\\)`));
  }
});

// Opens a team or alarm ticket for `team` in the second unit, as whoever is signed in; its number.
async function openTeamTicket(page, kind, team, title, shotName) {
  await page.goto(`${base}/tickets/new`);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill('Transfers to the site fail for every member of the team.');
  await page.selectOption('#in-category', { label: fixture.category.name });
  await page.waitForSelector('#field-version');
  await page.getByLabel('Product version (required)').fill('4.2.1');
  await page.selectOption('#in-kind', kind);
  await page.selectOption('#in-team', { label: team });
  await page.selectOption('#in-unit', { label: fixture.second_unit.name });
  if (shotName) await shot(page, shotName);
  await submit(page, 'Open the ticket');
  return ticketIdOf(page);
}

scenario('a team member verifies a colleague\'s team ticket, and an alarm\'s mail reaches the unit\'s alarm address', async page => {
  const team = `atlas-${stamp}`;
  const alarmAddress = `site-alarm.${stamp}@example.org`;
  await signIn(page, people.admin.email);
  await page.goto(`${base}/admin/teams`);
  await page.getByLabel('Name').fill(team);
  await submit(page, 'Create the team');
  assert.equal(await text(page, 'h1'), `Team ${team}`);
  for (const [who, alarmer] of [[community.email, false], [people.candidate.email, false], [people.named.email, true]]) {
    await page.getByLabel('E-mail address or certificate DN').fill(who);
    if (alarmer) await page.getByLabel('Alarmer: may open ALARM tickets').check();
    await submit(page, 'Save the member');
    assert.match(await text(page, '[role=status]'), /The member is saved/);
  }
  assert.match(await page.locator('main').innerText(), new RegExp(`${people.named.email.replace(/[.+]/g, '\\$&')}\\s*alarmer`));
  await shot(page, 'admin-team');
  await accessible(page, 'a team\'s admin page');
  await page.goto(`${base}/admin/units/${fixture.second_unit.id}`);
  await page.getByLabel(/^Alarm address/).fill(alarmAddress);
  await submit(page, 'Save the unit');
  assert.match(await text(page, '[role=status]'), /The unit is saved/);

  // Casey opens a team ticket; it goes straight to the chosen unit.
  await signIn(page, community.email);
  const teamTicket = await openTeamTicket(page, 'team', team, `Transfers to the site fail ${stamp}`, 'ticket-new-team');
  assert.match(await page.locator('main p.meta').first().innerText(), new RegExp(`TEAM ${team}`));
  await accessible(page, 'the opening form with a team');
  await signIn(page, people.admin.email);
  await page.goto(`${base}/tickets/${teamTicket}`);
  assert.match(await page.locator('main').innerText(), new RegExp(fixture.second_unit.name));
  for (const status of ['in_progress', 'solved']) {
    await page.selectOption('#act-status', status);
    if (status === 'solved') await page.selectOption('#act-resolution', 'fixed');
    await submit(page, 'Change the status');
  }
  // A colleague in the team, who did not open it, confirms the solution.
  await signIn(page, people.candidate.email);
  await page.goto(`${base}/tickets/${teamTicket}`);
  await page.selectOption('#act-status', 'verified');
  await submit(page, 'Change the status');
  assert.equal(await text(page, '#ticket-status'), 'verified');

  // The alarmer raises an alarm: top priority, mailed at once to the alarm address.
  await signIn(page, people.named.email);
  const alarm = await openTeamTicket(page, 'alarm', team, `Tier-1 storage down ${stamp}`);
  const meta = await page.locator('main p.meta').first().innerText();
  assert.match(meta, new RegExp(`ALARM ${team}`));
  assert.match(meta, /priority top/);
  await shot(page, 'ticket-alarm');
  await mailed(alarmAddress, new RegExp(`^Subject:(?:.|\\r?\\n )*ALARM \\[Helpdesk #${alarm}\\]`, 'mi'));
});

scenario('the ticket page fits a phone width', async page => {
  await page.setViewportSize({ width: 390, height: 800 });
  await signIn(page, people.named.email);
  await page.goto(`${base}/tickets/${privateTicket}`);
  await shot(page, 'ticket-phone');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `no sideways scrolling on a phone (${width}px)`);
  // The opening form of a team's alarmer, with its "Whose ticket is it?" choices.
  await page.goto(`${base}/tickets/new`);
  await shot(page, 'ticket-new-team-phone');
  const formWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(formWidth <= 400, `the opening form fits a phone (${formWidth}px)`);
  await page.setViewportSize({ width: 1024, height: 640 });
});

// Without JavaScript: the category's questions come with a button press, and the ticket opens.
async function withoutJavaScript() {
  const { chromium } = await import(pathToFileURL(path.join(fixture.peer, 'node_modules/playwright-core/index.mjs')).href);
  const { CHROMIUM, ARGS } = await import(pathToFileURL(path.join(fixture.peer, 'browser.mjs')).href);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('E-mail address').fill(people.named.email);
    await page.getByLabel('Password').fill(fixture.password);
    await submit(page, 'Sign in');
    await page.goto(`${base}/tickets/new`);
    await page.getByLabel('Title').fill(`Without scripts ${stamp}`);
    await page.getByLabel('Description').fill('Filed with JavaScript off.');
    await page.selectOption('#in-category', { label: fixture.category.name });
    assert.equal(await page.locator('#field-version').count(), 0, 'no script has fetched the questions');
    await submit(page, "Show the category's questions");
    assert.equal(await page.getByLabel('Title').inputValue(), `Without scripts ${stamp}`, 'nothing typed is lost');
    await page.getByLabel('Product version (required)').fill('1.0');
    await submit(page, 'Open the ticket');
    assert.match(await text(page, 'h1'), new RegExp(`Without scripts ${stamp}`));
    await page.getByLabel('Your message').fill('A reply without scripts.');
    await submit(page, 'Send');
    assert.match(await page.locator('.article').last().innerText(), /A reply without scripts/);
  } finally {
    await browser.close();
  }
}
scenarios.push({ name: 'opening and answering a ticket works without JavaScript', run: withoutJavaScript, own: true });

// ---- run ----

const { page, close } = await launch();
let failed = 0;
for (const { name, run } of scenarios) {
  const started = Date.now();
  try {
    await run(page);
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAILED - ${name}\n${e.stack}`);
    await shot(page, `failed-${scenarios.findIndex(s => s.name === name)}`).catch(() => {});
    break; // later scenarios build on this one
  }
}
await close();
process.exit(failed ? 1 : 0);
