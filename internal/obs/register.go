package obs

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c with reg, or returns the identical collector
// registered before, so that two instances of one component (two sync
// engines, two webhook workers) on one registry share their metrics.
// what names the component in an error.
func Register[T prometheus.Collector](reg prometheus.Registerer, what string, c T) (T, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("registering %s metrics: %w", what, err)
}
