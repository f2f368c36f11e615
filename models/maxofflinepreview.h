#pragma once

#include "core/domain/servicebudget.h"

#include <QString>
#include <QStringList>

namespace Baton::MaxOfflinePreview {

// What changing a service's max_offline to `candidate` would do now, in one or two sentences an operator can act
// on: "Raising web to 3 lets web-7 and web-9 start now." `waiting` are the nodes waiting for a slot, longest
// waiting first (ServiceBudget::admittedWith takes them in that order, as the gates would).
QString describe(const ServiceBudget &current, const MaxOffline &candidate, const QStringList &waiting);

// "web-7", "web-7 and web-9", "web-7, web-9 and web-11"; more than `max` names end in "and N more".
QString listNames(const QStringList &names, int max = 5);

} // namespace Baton::MaxOfflinePreview
