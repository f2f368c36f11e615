#include "app/consoleextensions.h"

namespace Baton::ConsoleExtensions {

namespace {
struct Registry
{
    QList<QPair<QString, WidgetFactory>> tabs;
    WidgetFactory wall;
};

Registry &registry()
{
    static Registry r;
    return r;
}
} // namespace

void addJobDetailTab(const QString &title, WidgetFactory factory)
{
    registry().tabs.append({ title, std::move(factory) });
}

QList<QPair<QString, WidgetFactory>> jobDetailTabs()
{
    return registry().tabs;
}

void setWallFactory(WidgetFactory factory)
{
    registry().wall = std::move(factory);
}

WidgetFactory wallFactory()
{
    return registry().wall;
}

void clearForTests()
{
    registry() = Registry {};
}

} // namespace Baton::ConsoleExtensions
