// Every string the widget shows, one table per language. A missing key falls back to English.

const RTL = new Set(["ar"]);

export const STRINGS = {
  en: {
    openChat: "Open chat",
    closeChat: "Close chat",
    chatWith: "Chat with {name}",
    greeting: "Hi! How can we help you today?",
    messageLabel: "Your message",
    placeholder: "Write a message…",
    send: "Send",
    sending: "Sending…",
    failed: "Not sent.",
    retry: "Retry",
    typing: "{name} is typing…",
    offline: "You are offline. Messages will be sent when the connection is back.",
    connecting: "Connecting…",
    you: "You",
    agent: "Support",
    bot: "Assistant",
    newMessage: "New message from {name}: {text}",
    unread: "{count} unread messages",
    event_assigned: "A person joined the conversation.",
    event_handed_off: "You are being connected to a person.",
    event_resolved: "The conversation was marked as resolved.",
    event_reopened: "The conversation was reopened.",
    attachment: "Attachment: {name}",
  },
  es: {
    openChat: "Abrir el chat",
    closeChat: "Cerrar el chat",
    chatWith: "Chatear con {name}",
    greeting: "¡Hola! ¿En qué podemos ayudarte?",
    messageLabel: "Tu mensaje",
    placeholder: "Escribe un mensaje…",
    send: "Enviar",
    sending: "Enviando…",
    failed: "No enviado.",
    retry: "Reintentar",
    typing: "{name} está escribiendo…",
    offline: "Estás sin conexión. Los mensajes se enviarán cuando vuelva la conexión.",
    connecting: "Conectando…",
    you: "Tú",
    agent: "Soporte",
    bot: "Asistente",
    newMessage: "Nuevo mensaje de {name}: {text}",
    unread: "{count} mensajes sin leer",
    event_assigned: "Una persona se ha unido a la conversación.",
    event_handed_off: "Te estamos conectando con una persona.",
    event_resolved: "La conversación se ha marcado como resuelta.",
    event_reopened: "La conversación se ha reabierto.",
    attachment: "Archivo adjunto: {name}",
  },
  fr: {
    openChat: "Ouvrir la discussion",
    closeChat: "Fermer la discussion",
    chatWith: "Discuter avec {name}",
    greeting: "Bonjour ! Comment pouvons-nous vous aider ?",
    messageLabel: "Votre message",
    placeholder: "Écrivez un message…",
    send: "Envoyer",
    sending: "Envoi…",
    failed: "Non envoyé.",
    retry: "Réessayer",
    typing: "{name} écrit…",
    offline: "Vous êtes hors ligne. Les messages partiront au retour de la connexion.",
    connecting: "Connexion…",
    you: "Vous",
    agent: "Support",
    bot: "Assistant",
    newMessage: "Nouveau message de {name} : {text}",
    unread: "{count} messages non lus",
    event_assigned: "Une personne a rejoint la conversation.",
    event_handed_off: "Nous vous mettons en relation avec une personne.",
    event_resolved: "La conversation a été marquée comme résolue.",
    event_reopened: "La conversation a été rouverte.",
    attachment: "Pièce jointe : {name}",
  },
  de: {
    openChat: "Chat öffnen",
    closeChat: "Chat schließen",
    chatWith: "Chat mit {name}",
    greeting: "Hallo! Wie können wir helfen?",
    messageLabel: "Ihre Nachricht",
    placeholder: "Nachricht schreiben…",
    send: "Senden",
    sending: "Wird gesendet…",
    failed: "Nicht gesendet.",
    retry: "Erneut versuchen",
    typing: "{name} schreibt…",
    offline: "Sie sind offline. Nachrichten werden gesendet, sobald die Verbindung zurück ist.",
    connecting: "Verbindung wird hergestellt…",
    you: "Sie",
    agent: "Support",
    bot: "Assistent",
    newMessage: "Neue Nachricht von {name}: {text}",
    unread: "{count} ungelesene Nachrichten",
    event_assigned: "Eine Person ist dem Gespräch beigetreten.",
    event_handed_off: "Sie werden mit einer Person verbunden.",
    event_resolved: "Das Gespräch wurde als gelöst markiert.",
    event_reopened: "Das Gespräch wurde wieder geöffnet.",
    attachment: "Anhang: {name}",
  },
  ar: {
    openChat: "افتح المحادثة",
    closeChat: "أغلق المحادثة",
    chatWith: "تحدث مع {name}",
    greeting: "مرحبًا! كيف يمكننا مساعدتك اليوم؟",
    messageLabel: "رسالتك",
    placeholder: "اكتب رسالة…",
    send: "إرسال",
    sending: "جارٍ الإرسال…",
    failed: "لم تُرسل.",
    retry: "أعد المحاولة",
    typing: "{name} يكتب…",
    offline: "أنت غير متصل. ستُرسل الرسائل عند عودة الاتصال.",
    connecting: "جارٍ الاتصال…",
    you: "أنت",
    agent: "الدعم",
    bot: "المساعد",
    newMessage: "رسالة جديدة من {name}: {text}",
    unread: "{count} رسائل غير مقروءة",
    event_assigned: "انضم شخص إلى المحادثة.",
    event_handed_off: "جارٍ توصيلك بشخص.",
    event_resolved: "تم وضع علامة على المحادثة بأنها محلولة.",
    event_reopened: "أعيد فتح المحادثة.",
    attachment: "مرفق: {name}",
  },
};

export const LOCALES = Object.keys(STRINGS);
export const DEFAULT_LOCALE = "en";

/** The first supported language among `preferred` (BCP 47 tags such as "fr-CA", in order),
 * else `fallback` when supported, else English. */
export function pickLocale(preferred, fallback = DEFAULT_LOCALE) {
  for (const tag of preferred || []) {
    const language = String(tag).toLowerCase().split(/[-_]/)[0];
    if (STRINGS[language]) return language;
  }
  const base = String(fallback || "").toLowerCase().split(/[-_]/)[0];
  return STRINGS[base] ? base : DEFAULT_LOCALE;
}

export function direction(locale) {
  return RTL.has(locale) ? "rtl" : "ltr";
}

/** The string `key` in `locale`, with `{name}` placeholders filled from `values` (as text). */
export function t(locale, key, values = {}) {
  const table = STRINGS[locale] || STRINGS[DEFAULT_LOCALE];
  const template = table[key] ?? STRINGS[DEFAULT_LOCALE][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}
