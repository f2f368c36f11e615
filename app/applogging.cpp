#include "app/applogging.h"

Q_LOGGING_CATEGORY(lcApp, "baton.console", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTokens, "baton.console.tokens", QtInfoMsg)
