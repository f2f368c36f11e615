#pragma once

#include <functional>

#include <QList>
#include <QPair>
#include <QString>

class QWidget;

namespace Baton {

class ConsoleSession;

// The seams where views built elsewhere plug into the console without the main window knowing them: tabs in the
// job detail pane (the per-node timeline) and the wall display. A factory gets the session (its models and its
// eventsReceived signal) and the parent to create its widget under. Registered once at start-up, in
// registerBuiltInExtensions() (builtinextensions.cpp).
namespace ConsoleExtensions {

using WidgetFactory = std::function<QWidget *(ConsoleSession *session, QWidget *parent)>;

void addJobDetailTab(const QString &title, WidgetFactory factory);
QList<QPair<QString, WidgetFactory>> jobDetailTabs();

// The wall display. Without one, wall mode says plainly that it is not available in this build.
void setWallFactory(WidgetFactory factory);
WidgetFactory wallFactory();

void registerBuiltInExtensions();
void clearForTests();

} // namespace ConsoleExtensions
} // namespace Baton
