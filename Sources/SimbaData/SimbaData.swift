// The module that reads data sets and images; see the files beside this one.
