"""The engine: the lecture's update rules (`rules`), the registry that names them (`optimizers`),
and the one Numba kernel that steps every optimizer over every surface (`kernels`), compiled as
`jit` configures. `optviz.api` is its public face."""
