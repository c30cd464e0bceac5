"""The app's pages in the lecture's order: (file, title, icon, url path). A page joins the menu when its file exists."""
PAGES = [
    ("pages/home.py", "Start here", ":material/home:", "home"),
    ("pages/tour.py", "Lecture tour", ":material/slideshow:", "tour"),
    ("pages/kernels.py", "Kernel playground", ":material/blur_on:", "kernels"),
    ("pages/geometry.py", "Padding & stride", ":material/grid_on:", "geometry"),
    ("pages/mnist.py", "Live MNIST training", ":material/show_chart:", "mnist"),
    ("pages/feature_maps.py", "Feature maps (VGG, ResNet)", ":material/layers:", "feature_maps"),
    ("pages/architectures.py", "Architectures", ":material/account_tree:", "architectures"),
    ("pages/augmentation.py", "Data augmentation", ":material/transform:", "augmentation"),
    ("pages/transfer.py", "Transfer learning", ":material/move_up:", "transfer"),
    ("pages/style_transfer.py", "Neural style transfer", ":material/palette:", "style_transfer"),
]
