// The shell's own text: navigation, language switch, loading and error states.
import { defineStrings } from './i18n.js';

export const t = defineStrings({
  en: {
    brand: 'Cinnabar',
    tagline: 'Digital works, their rights and their provenance: verified in your browser',
    skip: 'Skip to content',
    navHome: 'Explore',
    navHalls: 'Halls',
    navRegister: 'Register',
    navWallet: 'Wallet',
    navRegulator: 'Supervision',
    language: 'Language',
    loading: 'Loading…',
    notFound: 'There is no page here.',
    backHome: 'Back to the start',
    failed: 'Something went wrong: {message}',
    footer:
      'Every action is a signed entry in an append-only Merkle log (C2SP tlog-tiles). API: /v1 · log: /log/',
  },
  zh: {
    brand: '朱砂',
    tagline: '数字作品、权利与来源：在您的浏览器中验证',
    skip: '跳到正文',
    navHome: '浏览',
    navHalls: '展厅',
    navRegister: '登记',
    navWallet: '钱包',
    navRegulator: '监管',
    language: '语言',
    loading: '加载中…',
    notFound: '此处没有页面。',
    backHome: '返回首页',
    failed: '出错了：{message}',
    footer: '每项操作都是只增默克尔日志（C2SP tlog-tiles）中的一条签名记录。接口：/v1 · 日志：/log/',
  },
});
