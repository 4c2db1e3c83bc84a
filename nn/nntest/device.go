package nntest

import (
	"fmt"
	"sync"

	"github.com/goformer/goformer/tensor"
)

// FakeKind is the device kind of FakeDevice.
const FakeKind = tensor.DeviceKind(201)

// fakeStorage is host memory presented as another device's storage.
type fakeStorage struct {
	host *tensor.CPUStorage
	dev  tensor.Device
}

func (s *fakeStorage) Device() tensor.Device { return s.dev }
func (s *fakeStorage) DType() tensor.DType   { return s.host.DType() }
func (s *fakeStorage) Len() int              { return s.host.Len() }

// fakeBackend implements the transfers natively and takes every op from
// tensor.HostFallback, as a backend under construction would.
type fakeBackend struct {
	tensor.HostFallback
	dev tensor.Device
}

func (f *fakeBackend) Device() tensor.Device { return f.dev }

func (f *fakeBackend) Alloc(d tensor.DType, n int) tensor.Storage {
	return &fakeStorage{host: tensor.CPUBackend().Alloc(d, n).(*tensor.CPUStorage), dev: f.dev}
}

func (f *fakeBackend) Free(tensor.Storage) {}

func (f *fakeBackend) host(v tensor.View) tensor.View {
	s, ok := v.Storage.(*fakeStorage)
	if !ok {
		panic(fmt.Sprintf("nntest: fake device given %T storage on %v", v.Storage, v.Storage.Device()))
	}
	v.Storage = s.host
	return v
}

func (f *fakeBackend) Upload(dst tensor.View, src any) {
	tensor.CPUBackend().Upload(f.host(dst), src)
}

func (f *fakeBackend) Download(dst any, src tensor.View) {
	tensor.CPUBackend().Download(dst, f.host(src))
}

func (f *fakeBackend) Copy(dst, src tensor.View) {
	tensor.CPUBackend().Copy(f.host(dst), f.host(src))
}

var fakeOnce sync.Once

// FakeDevice returns a device that is not the CPU but computes on it: its
// memory is host memory behind a foreign storage type and every op runs
// through tensor.HostFallback. Code moved there (nn.To) takes the paths it
// takes on a GPU, so tests can check those paths against the CPU's results
// without one.
func FakeDevice() tensor.Device {
	fakeOnce.Do(func() {
		tensor.RegisterBackend(FakeKind, func(i int) (tensor.Backend, error) {
			b := &fakeBackend{dev: tensor.Device{Kind: FakeKind, Index: i}}
			b.HostFallback = tensor.HostFallback{Dev: b}
			return b, nil
		})
	})
	return tensor.Device{Kind: FakeKind}
}
