// The interview page opens at the end of the conversation, where the current question is (the
// composer is sticky), unless the address names a message (#turn-12). A file, not an inline script:
// the Content-Security-Policy allows scripts from this site only.
if (!location.hash) window.scrollTo(0, document.documentElement.scrollHeight);
