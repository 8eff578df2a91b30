pub struct ObserveOptions;
