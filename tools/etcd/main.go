// etcd for the local control plane of `npm run conformance`. The etcd release binary is built
// from etcd's root module, which the Go module proxy does not serve as a dependency (its go.mod
// replaces the server, api and client modules with local paths); its main.go is one call, the
// same one made here: etcdmain.Main(os.Args) (go.etcd.io/etcd/server/v3/etcdmain/main.go).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
