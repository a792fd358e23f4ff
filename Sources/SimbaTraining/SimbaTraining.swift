// The module that trains and evaluates models; see the files beside this one.
