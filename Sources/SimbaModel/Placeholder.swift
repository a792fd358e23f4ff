import SimbaCore
