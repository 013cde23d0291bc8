"""Turning planned objects into files: cdk8s synthesis (`synthesize`, `cdk8s_runtime`), the worker that
does the spec work beside it (`worker`), schema validation (`validation`), atomic output (`writer`), golden
comparison (`golden`), and the compile and check steps that join them (`compile`). The only layer that
starts Node."""
