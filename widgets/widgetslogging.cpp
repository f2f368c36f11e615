#include "widgets/widgetslogging.h"

Q_LOGGING_CATEGORY(lcWidgets, "baton.widgets", QtInfoMsg)
