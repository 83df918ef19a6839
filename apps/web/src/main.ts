import { createApp } from 'vue';
import App from './App.vue';
import { lang } from './i18n';
import { restore } from './session';
import './style.css';

document.documentElement.lang = lang.value;
void restore().then(() => createApp(App).mount('#app'));
