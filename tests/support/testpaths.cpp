#include "support/testpaths.h"

#include <QDir>
#include <QProcessEnvironment>

namespace Baton::TestPaths {

namespace {
QString fromEnv(const char *name)
{
    return QDir::cleanPath(QProcessEnvironment::systemEnvironment().value(QString::fromLatin1(name)));
}
} // namespace

QString sourceDir()
{
    return fromEnv("BATON_SOURCE_DIR");
}

QString binDir()
{
    return fromEnv("BATON_BIN_DIR");
}

QString testDataDir()
{
    return fromEnv("BATON_TESTDATA_DIR");
}

QString program(const QString &name)
{
    return binDir() + u'/' + name;
}

} // namespace Baton::TestPaths
