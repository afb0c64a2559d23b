"""The compact class network: pool classes, chains, ladders, layout and components."""
