#pragma once

#include <QString>

namespace Baton::TestPaths {

// Where tests find the tree and the built programs; set by baton_add_test() through the environment.
QString sourceDir(); // the repository root
QString binDir(); // where consul-sim, baton-service and baton-console are built
QString testDataDir(); // tests/data (Consul samples, corpora)
QString program(const QString &name); // binDir()/name

} // namespace Baton::TestPaths
