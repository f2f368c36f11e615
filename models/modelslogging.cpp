#include "models/modelslogging.h"

Q_LOGGING_CATEGORY(lcModels, "baton.models", QtInfoMsg)
