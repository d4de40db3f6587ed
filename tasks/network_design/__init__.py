"""Air network design: which city pairs get a direct leg, which demand is routed via hubs."""
