// The dashboard's entry: the API token field, and a hash router between the campaign list
// (#/) and one campaign (#/campaigns/ID). Each view returns a function that stops its timers
// and streams, called before the next view is drawn.
import { setToken, token } from './api.js';
import { renderCampaignList } from './campaign-list.js';
import { renderCampaignPage } from './campaign-page.js';

const main = document.getElementById('main');
const errorBox = document.getElementById('error');
const tokenForm = document.getElementById('token-form');
const tokenInput = document.getElementById('token');
const tokenState = document.getElementById('token-state');
let stopView = () => {};
let generation = 0;

function onError(error) {
  errorBox.hidden = !error;
  errorBox.textContent = error ? `${error.message}${error.status === 401 ? ' — enter an API token above.' : ''}` : '';
}

function showTokenState() {
  tokenState.textContent = token() ? 'token set for this tab' : 'no token';
}

async function route() {
  const mine = ++generation;
  stopView();
  stopView = () => {};
  onError(undefined);
  const match = /^#\/campaigns\/([^/]+)$/.exec(location.hash);
  const stop = match ? await renderCampaignPage(main, decodeURIComponent(match[1]), { onError }) : await renderCampaignList(main, { onError });
  // The hash changed while this view loaded: the newer view has drawn, stop this one.
  if (mine !== generation) stop();
  else stopView = stop;
  document.title = match ? `${decodeURIComponent(match[1])} · FUOTA dashboard` : 'Campaigns · FUOTA dashboard';
}

tokenInput.value = token();
showTokenState();
tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  setToken(tokenInput.value.trim());
  showTokenState();
  void route();
});
window.addEventListener('hashchange', () => void route());
void route();
